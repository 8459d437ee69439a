using System.Diagnostics;

namespace MtlOnnx.Training.Tests.Autodiff.Support;

/// <summary>Runs Debian's Python (which has torch and onnx), and finds the repository's fixture scripts.</summary>
internal static class Python
{
    /// <summary>The interpreter with python3-torch and python3-onnx; the first python3 on PATH may lack them.</summary>
    public const string Interpreter = "/usr/bin/python3";

    public static string RepositoryFile(params string[] parts)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MtlOnnx.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException(
                $"No MtlOnnx.sln above '{AppContext.BaseDirectory}': the tests must run from the repository.");
        }

        return Path.Combine([directory.FullName, .. parts]);
    }

    /// <summary>Runs a script or <c>-c</c> code and returns its standard output; fails the test on any error.</summary>
    public static string Run(IReadOnlyList<string> arguments, int timeoutSeconds = 300)
    {
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException(
                $"{Interpreter} is missing; install Debian's python3 with python3-torch and python3-onnx (see .ci/run).");
        }

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Interpreter} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Interpreter} {string.Join(' ', arguments)} ran longer than {timeoutSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Interpreter} {string.Join(' ', arguments.Take(1))} exited with {process.ExitCode}:\n{error.Result}");
        }

        return output.Result;
    }
}
