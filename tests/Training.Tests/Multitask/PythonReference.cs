using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MtlOnnx.Training.Tests.Multitask;

/// <summary>Runs the independent NumPy/PyTorch reference (Reference/mtl_reference.py) with Debian's Python.</summary>
internal static class PythonReference
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Runs the reference on the cases and returns its output object, keyed by case id.</summary>
    public static JsonObject Run(JsonArray cases)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException(
                $"The multi-task reference tests need {Python} with numpy and torch (Debian packages python3-numpy " +
                "and python3-torch), but it was not found.");
        }

        string directory = Path.Combine(Path.GetTempPath(), "mtlonnx-reference-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string input = Path.Combine(directory, "cases.json");
            string output = Path.Combine(directory, "expected.json");
            File.WriteAllText(input, cases.ToJsonString());
            var start = new ProcessStartInfo(Python)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Script());
            start.ArgumentList.Add(input);
            start.ArgumentList.Add(output);
            using Process process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"The reference script failed with exit code {process.ExitCode} (numpy and torch are required):\n{stderr}");
            }

            return JsonNode.Parse(File.ReadAllText(output))!.AsObject();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Converts rows to a JSON array of arrays, exactly as the float values (no rounding).</summary>
    public static JsonArray ToJson(float[][] rows) =>
        new(rows.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)(double)v).ToArray())).ToArray());

    /// <summary>Reads a JSON array of numbers.</summary>
    public static double[] ToArray(JsonNode node) => node.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    private static string Script()
    {
        // The test binaries run under tests/Training.Tests/bin/...; the script lives beside this file's folder.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "Multitask", "Reference", "mtl_reference.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }

            candidate = Path.Combine(dir.FullName, "tests", "Training.Tests", "Multitask", "Reference", "mtl_reference.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            "The reference script Multitask/Reference/mtl_reference.py was not found above " + AppContext.BaseDirectory);
    }
}
