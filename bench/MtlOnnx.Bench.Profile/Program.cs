using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// Profiles one ONNX graph (for example a trainer's training graph) on ONNX Runtime's CPU provider as the trainer runs
// it: sequential execution, all graph optimisations, intra-op workers that do not spin. Inputs are drawn once (floats
// uniform in [-1, 1], integers in [0, --classes), booleans false; symbolic dimensions take --batch), warm-up runs
// are excluded, and the kernel time of the timed runs is summed per operator type and per node and printed as
// milliseconds per run. Usage:
//   MtlOnnx.Bench.Profile MODEL.onnx [--threads 2] [--iterations 20] [--warmup 3] [--batch 256] [--classes 10]
//                         [--top 25] [--level all|extended|basic|none] [--inter-op 1]
// (--inter-op above 1 runs independent nodes in parallel: ORT_PARALLEL with that many inter-op threads.)
var options = ProfileOptions.Parse(args);
var prefix = Path.Combine(Path.GetTempPath(), "mtlonnx-profile-" + Guid.NewGuid().ToString("N"));
using var sessionOptions = new SessionOptions
{
    IntraOpNumThreads = options.Threads,
    InterOpNumThreads = options.InterOpThreads,
    ExecutionMode = options.InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = options.Level,
    EnableProfiling = true,
    ProfileOutputPathPrefix = prefix,
    LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
};
sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
using var session = new InferenceSession(options.ModelPath, sessionOptions);

var random = new Random(1);
var inputs = new List<OrtValue>();
foreach (var name in session.InputNames)
{
    var metadata = session.InputMetadata[name];
    var shape = metadata.Dimensions.Select(d => d < 0 ? options.Batch : (long)d).ToArray();
    var count = (int)shape.Aggregate(1L, (p, d) => p * d);
    inputs.Add(metadata.ElementDataType switch
    {
        TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(
            Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(), shape),
        TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(
            Enumerable.Range(0, count).Select(_ => (long)random.Next(options.Classes)).ToArray(), shape),
        TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory(new bool[count], shape),
        var other => throw new NotSupportedException($"The input '{name}' has element type {other}."),
    });
}

var outputNames = session.OutputNames;
using var runOptions = new RunOptions();
var process = System.Diagnostics.Process.GetCurrentProcess();
var cpuBefore = TimeSpan.Zero;
for (var i = 0; i < options.Warmup + options.Iterations; i++)
{
    if (i == options.Warmup)
    {
        process.Refresh();
        cpuBefore = process.TotalProcessorTime;
    }

    using var results = session.Run(runOptions, session.InputNames, inputs, outputNames);
}

process.Refresh();
var cpuPerRun = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / options.Iterations;

var profilePath = session.EndProfiling();
using var document = JsonDocument.Parse(File.ReadAllText(profilePath));
File.Delete(profilePath);

// Each run is a "model_run" event; node kernels are "<node>_kernel_time" events inside one.
var events = document.RootElement.EnumerateArray().ToArray();
var runs = events.Where(e => e.GetProperty("name").GetString() == "model_run")
    .Select(e => (Start: e.GetProperty("ts").GetInt64(), Duration: e.GetProperty("dur").GetInt64()))
    .OrderBy(r => r.Start)
    .ToArray();
var timed = runs.Skip(options.Warmup).ToArray();
var firstTimed = timed[0].Start;
var byOp = new Dictionary<string, double>(StringComparer.Ordinal);
var byNode = new Dictionary<string, (string Op, double Micros)>(StringComparer.Ordinal);
foreach (var e in events)
{
    if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("ts").GetInt64() < firstTimed)
    {
        continue;
    }

    var name = e.GetProperty("name").GetString()!;
    if (!name.EndsWith("_kernel_time", StringComparison.Ordinal))
    {
        continue;
    }

    var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
    var micros = e.GetProperty("dur").GetInt64();
    byOp[op] = byOp.GetValueOrDefault(op) + micros;
    var node = name[..^"_kernel_time".Length];
    byNode[node] = (op, byNode.GetValueOrDefault(node).Micros + micros);
}

var perRun = 1.0 / (timed.Length * 1000.0);
var total = byOp.Values.Sum();
var runTimes = timed.Select(r => r.Duration / 1000.0).Order().ToArray();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{timed.Length} timed runs, {options.Threads} threads: run median {runTimes[runTimes.Length / 2]:F1} ms, " +
    $"min {runTimes[0]:F1} ms, processor time {cpuPerRun:F1} ms per run, kernel time {total * perRun:F1} ms per run"));
Console.WriteLine("| operator | ms per run | share |");
Console.WriteLine("|---|---:|---:|");
foreach (var (op, micros) in byOp.OrderByDescending(p => p.Value))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {op} | {micros * perRun:F2} | {100 * micros / total:F1} % |"));
}

Console.WriteLine();
Console.WriteLine("| node | operator | ms per run |");
Console.WriteLine("|---|---|---:|");
foreach (var (node, (op, micros)) in byNode.OrderByDescending(p => p.Value.Micros).Take(options.Top))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {node} | {op} | {micros * perRun:F2} |"));
}

foreach (var value in inputs)
{
    value.Dispose();
}

/// <summary>The profiler's command-line options.</summary>
internal sealed record ProfileOptions(
    string ModelPath,
    int Threads,
    int Iterations,
    int Warmup,
    long Batch,
    int Classes,
    int Top,
    GraphOptimizationLevel Level,
    int InterOpThreads)
{
    public static ProfileOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException("The first argument must be the path of an ONNX model.");
        }

        var o = new ProfileOptions(args[0], 2, 20, 3, 256, 10, 25, GraphOptimizationLevel.ORT_ENABLE_ALL, 1);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            o = args[i] switch
            {
                "--threads" => o with { Threads = int.Parse(value, CultureInfo.InvariantCulture) },
                "--iterations" => o with { Iterations = int.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup" => o with { Warmup = int.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => o with { Batch = long.Parse(value, CultureInfo.InvariantCulture) },
                "--classes" => o with { Classes = int.Parse(value, CultureInfo.InvariantCulture) },
                "--top" => o with { Top = int.Parse(value, CultureInfo.InvariantCulture) },
                "--inter-op" => o with { InterOpThreads = int.Parse(value, CultureInfo.InvariantCulture) },
                "--level" => o with
                {
                    Level = value switch
                    {
                        "none" => GraphOptimizationLevel.ORT_DISABLE_ALL,
                        "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                        "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                        _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
                    },
                },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        return o;
    }
}
