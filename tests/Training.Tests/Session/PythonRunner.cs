using System.Diagnostics;

namespace MtlOnnx.Training.Tests.Session;

/// <summary>
/// Runs Python scripts with Debian's interpreter, which has torch and numpy. Tests that compare against these tools
/// fail with a clear message when the interpreter or a module is missing, rather than passing silently.
/// </summary>
internal static class PythonRunner
{
    public const string Interpreter = "/usr/bin/python3";

    public static string Run(string script, string workingDirectory, params string[] arguments)
    {
        if (!File.Exists(Interpreter))
        {
            Assert.Fail($"{Interpreter} is missing; install Debian's python3, python3-torch and python3-numpy.");
        }

        var scriptPath = Path.Combine(workingDirectory, $"script_{Guid.NewGuid():N}.py");
        File.WriteAllText(scriptPath, script);
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(scriptPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // One thread keeps torch from competing with the test run for the machine's cores.
        start.Environment["OMP_NUM_THREADS"] = "1";
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Python did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The Python reference script did not finish within three minutes.");
        }

        if (process.ExitCode != 0)
        {
            var error = stderr.Result;
            if (error.Contains("ModuleNotFoundError", StringComparison.Ordinal))
            {
                Assert.Fail($"A Python module is missing; install python3-torch and python3-numpy.\n{error}");
            }

            Assert.Fail($"The Python reference script failed with exit code {process.ExitCode}:\n{error}");
        }

        return stdout;
    }
}
