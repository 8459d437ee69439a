using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Export;
using MtlOnnx.Export.Tests;
using MtlOnnx.Onnx;

namespace MtlOnnx.Bench.Export;

/// <summary>
/// Measures single-sample and batch-64 latency of the same LeNet-like multi-task network as (1) the eval graph that
/// training hands over, (2) MtlOnnx's export at float32, float16 and INT8, and (3) PyTorch's torch.onnx.export of the
/// same architecture with the same weights, all in ONNX Runtime on the CPU, interleaved in one run.
/// Usage: dotnet run -c Release --project bench/MtlOnnx.Bench.Export [-- --rounds N --image-size S]; with
/// <c>--models A.onnx B.onnx ...</c> it times those exported models instead (see <see cref="ExportedModelLatency"/>).
/// </summary>
internal static class Program
{
    private const string Python = "/usr/bin/python3";

    public static int Main(string[] args)
    {
        var rounds = Argument(args, "--rounds", 30);
        var models = Array.IndexOf(args, "--models");
        if (models >= 0)
        {
            // Exported models as they are, for example one checkpoint at three precisions.
            var paths = args.Skip(models + 1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
            ExportedModelLatency.Run(paths, rounds, Console.Out);
            return 0;
        }

        var imageSize = Argument(args, "--image-size", 28);
        var work = Directory.CreateTempSubdirectory("mtlonnx-export-bench-").FullName;
        try
        {
            Run(rounds, imageSize, work);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Run(int rounds, int imageSize, string work)
    {
        // PyTorch writes its export and the weights; our eval graph gets the same weights.
        var script = Path.Combine(AppContext.BaseDirectory, "torch_lenet.py");
        RunProcess(Python, [script, work, imageSize.ToString(CultureInfo.InvariantCulture)]);
        var lenet = TestModel.LeNet(imageSize: imageSize);
        var parameters = LoadWeights(work);
        foreach (var (name, tensor) in parameters)
        {
            lenet.Parameters[name] = tensor;
        }

        var models = new List<(string Name, byte[] Bytes)>
        {
            ("eval graph (parameters as inputs)", OnnxModelIO.ToBytes(lenet.Eval)),
            ("torch.onnx.export", File.ReadAllBytes(Path.Combine(work, "torch.onnx"))),
        };
        foreach (var precision in new[] { ExportPrecision.Float32, ExportPrecision.Float16, ExportPrecision.Int8 })
        {
            var repository = Path.Combine(work, "repo-" + precision);
            var source = new ExportSource(lenet.Eval, lenet.Parameters, lenet.Tasks) { InputNames = [lenet.InputName] };
            var result = ModelExporter.Export(source, new ExportOptions
            {
                Repository = repository,
                Name = "lenet",
                Precision = precision,
                PostProcessing = false,
            });
            models.Add(($"MtlOnnx export, {precision}", File.ReadAllBytes(result.ModelPath)));
        }

        using var runner = new LatencyRunner(models, lenet);
        runner.CheckAgreement(Console.Out);
        var single = runner.Measure(batch: 1, rounds, iterationsPerRound: 20);
        var batch64 = runner.Measure(batch: 64, rounds, iterationsPerRound: 3);
        var torch = 1;
        Console.WriteLine();
        var runtime = OrtEnv.Instance().GetVersionString();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LeNet-like, 3x{imageSize}x{imageSize} input, three heads; ONNX Runtime {runtime} CPU, one intra-op " +
            $"thread, ORT_ENABLE_ALL; medians of {rounds} interleaved rounds."));
        Console.WriteLine();
        Console.WriteLine("| model | bytes | nodes | batch 1 (µs) | vs torch | batch 64 (µs) | vs torch |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < models.Count; i++)
        {
            var nodes = OnnxModelIO.Parse(models[i].Bytes).Graph.Node.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {models[i].Name} | {models[i].Bytes.Length} | {nodes} | {single[i]:F1} | " +
                $"{single[i] / single[torch]:F2} | {batch64[i]:F1} | {batch64[i] / batch64[torch]:F2} |"));
        }
    }

    private static Dictionary<string, TensorProto> LoadWeights(string work)
    {
        var floats = File.ReadAllBytes(Path.Combine(work, "weights.bin"));
        var values = new float[floats.Length / 4];
        Buffer.BlockCopy(floats, 0, values, 0, floats.Length);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "weights.json")));
        var result = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var entry in manifest.RootElement.EnumerateArray())
        {
            var name = entry.GetProperty("name").GetString()!;
            var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offset = entry.GetProperty("offset").GetInt32();
            var count = (int)TensorProtos.ElementCount(shape);
            result[name] = TensorProtos.FromFloats(name, shape, values.AsSpan(offset, count));
        }

        return result;
    }

    private static void RunProcess(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed with exit code {process.ExitCode}: {error}");
        }
    }

    private static int Argument(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
