using System.Diagnostics;

namespace MtlOnnx.Testing;

/// <summary>Runs an independent program a test compares against, with a time limit.</summary>
internal static class ExternalProcess
{
    /// <summary>Runs a program to its end and returns its exit code and both outputs.</summary>
    /// <param name="program">The program to run.</param>
    /// <param name="arguments">Its arguments, each passed as one argument.</param>
    /// <param name="workingDirectory">The folder to run in, or <see langword="null"/> for the current one.</param>
    /// <param name="timeoutSeconds">How long it may run before the test fails.</param>
    /// <param name="environment">Environment variables to set for it, or <see langword="null"/>.</param>
    /// <returns>The exit code, standard output and standard error.</returns>
    public static (int ExitCode, string Output, string Error) Run(
        string program,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        int timeoutSeconds = 120,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start '{program}'.");

        // Read both streams while it runs, so that a full pipe never blocks it.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{program} {string.Join(' ', start.ArgumentList)}' did not finish within {timeoutSeconds} s.");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
