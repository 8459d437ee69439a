namespace MtlOnnx.Testing;

/// <summary>
/// Runs Debian's Python (<c>/usr/bin/python3</c>, which has onnx, torch, numpy and grpcio) from tests. A missing
/// interpreter or module fails the test with the reason and the package to install; it never passes silently.
/// </summary>
internal static class PythonTool
{
    /// <summary>The interpreter the tests use; the first python3 on PATH may lack onnx and torch.</summary>
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>Runs a Python script given as text, with arguments, and returns its standard output.</summary>
    /// <param name="script">The script's source.</param>
    /// <param name="arguments">The arguments, available as <c>sys.argv[1:]</c>.</param>
    /// <param name="timeoutSeconds">How long the script may take.</param>
    /// <returns>The standard output.</returns>
    public static string RunScript(string script, IEnumerable<string> arguments, int timeoutSeconds = 120) =>
        Run(["-c", script, .. arguments], timeoutSeconds);

    /// <summary>
    /// Writes a script into a folder and runs it there, so that it can read and write files beside it; for scripts
    /// whose tracebacks should name a file rather than <c>&lt;string&gt;</c>.
    /// </summary>
    /// <param name="script">The script's source.</param>
    /// <param name="workingDirectory">The folder the script is written to and runs in.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>The standard output.</returns>
    public static string RunScriptIn(string script, string workingDirectory, params string[] arguments)
    {
        var path = Path.Combine(workingDirectory, $"script_{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        return Run([path, .. arguments], timeoutSeconds: 180, workingDirectory);
    }

    /// <summary>Runs <c>python3</c> with arguments and returns its standard output; fails the test on error.</summary>
    /// <param name="arguments">The arguments.</param>
    /// <param name="timeoutSeconds">How long the run may take.</param>
    /// <param name="workingDirectory">The folder to run in, or <see langword="null"/> for the current one.</param>
    /// <returns>The standard output.</returns>
    public static string Run(IEnumerable<string> arguments, int timeoutSeconds = 120, string? workingDirectory = null)
    {
        if (!File.Exists(Interpreter))
        {
            Assert.Fail(
                $"{Interpreter} does not exist; install Debian's python3 with python3-onnx and python3-torch " +
                "(.ci/run does) to run this test.");
        }

        // Keep torch and numpy from spreading over every core of a shared CI machine.
        var (exitCode, output, errorOutput) = ExternalProcess.Run(Interpreter, arguments, workingDirectory, timeoutSeconds,
            new Dictionary<string, string>
            {
                ["OMP_NUM_THREADS"] = "1",
                ["OPENBLAS_NUM_THREADS"] = "1",
                ["PYTHONDONTWRITEBYTECODE"] = "1",
            });
        if (exitCode != 0)
        {
            var error = errorOutput.Trim();
            var hint = error.Contains("ModuleNotFoundError", StringComparison.Ordinal)
                ? " Install the Debian packages python3-onnx, python3-torch and python3-numpy (.ci/run does)."
                : string.Empty;
            Assert.Fail($"python3 exited with code {exitCode}.{hint}\n{error}");
        }

        return output;
    }
}
