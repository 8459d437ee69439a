namespace MtlOnnx.Export.Tests;

/// <summary>
/// Runs the independent tools the tests compare against: Debian's Python with the onnx package, and Node.js with
/// onnxruntime-web installed from npm into a cache folder.
/// </summary>
internal static class ExternalTools
{
    /// <summary>The onnxruntime-web version the tests install; it runs on Node.js 20.</summary>
    public const string OrtWebVersion = "1.30.0";

    public const string Python = PythonTool.Interpreter;

    private static readonly SemaphoreSlim s_installLock = new(1, 1);

    /// <summary>Runs a program and returns its standard output; fails the test with its error output otherwise.</summary>
    public static string Run(string program, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 120)
    {
        var (exitCode, output, error) = ExternalProcess.Run(program, arguments, workingDirectory, timeoutSeconds);
        Assert.True(
            exitCode == 0,
            $"'{program} {string.Join(' ', arguments)}' exited with {exitCode}:\n{error}\n{output}");
        return output;
    }

    /// <summary>Fails with a clear message when Debian's Python or its onnx module is missing.</summary>
    public static void RequirePythonOnnx()
    {
        Assert.True(
            File.Exists(Python),
            $"{Python} is missing; install Debian's python3 and python3-onnx (as .ci/run does) to run this test.");
        Run(Python, ["-c", "import onnx"]);
    }

    /// <summary>Finds Node.js on the PATH, or fails with a clear message.</summary>
    public static string Node()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "node"))
            .FirstOrDefault(File.Exists);
        Assert.True(path is not null, "Node.js ('node') is not on the PATH; install Debian's nodejs and npm to run this test.");
        return path!;
    }

    /// <summary>
    /// Installs onnxruntime-web from npm into a cache folder shared by test runs (once), and returns the folder;
    /// scripts placed in it can import the package.
    /// </summary>
    public static string OrtWeb()
    {
        var cache = Path.Combine(Path.GetTempPath(), $"mtlonnx-ort-web-{OrtWebVersion}");
        var marker = Path.Combine(cache, "node_modules", "onnxruntime-web", "package.json");
        s_installLock.Wait();
        try
        {
            if (File.Exists(marker))
            {
                return cache;
            }

            // Install into a fresh folder and rename it, so an interrupted install never looks complete.
            var staging = cache + ".staging-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(staging);
            File.WriteAllText(Path.Combine(staging, "package.json"), "{ \"name\": \"mtlonnx-ort-web-check\", \"private\": true }");
            var npm = Path.Combine(Path.GetDirectoryName(Node())!, "npm");
            Run(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error", $"onnxruntime-web@{OrtWebVersion}"], staging, 600);
            if (!File.Exists(marker))
            {
                Directory.Move(staging, cache);
            }
            else
            {
                Directory.Delete(staging, recursive: true);
            }

            return cache;
        }
        finally
        {
            s_installLock.Release();
        }
    }
}
