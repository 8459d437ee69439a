using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Bench;
using MtlOnnx.Bench.Autodiff;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

// Times one forward+backward step (both losses, every parameter gradient) of the Multi-Fashion two-task LeNet,
// as the ONNX Runtime training path runs it: 2 intra-op threads, sequential execution, all graph optimisations,
// inputs and pre-allocated outputs bound once, warm-up runs excluded. Prints one JSON line.
var options = ParseArguments(args);

// The baseline is taken once the runtime and ONNX Runtime's native library are loaded, as PyTorch's is taken
// after importing torch, so both peaks above baseline count the step's own memory.
using (var warm = new InferenceSession(OnnxModelIO.ToBytes(TinyModel())))
{
}

var baseline = PeakResidentBytes();

var forward = MultiFashionLeNet.BuildWithLosses(options.Batch);
var request = new GradientRequest
{
    Losses = ["loss_left", "loss_right"],
    WithRespectTo = MultiFashionLeNet.Parameters.Select(p => p.Name).ToArray(),
};
var build = Stopwatch.StartNew();
var result = AutodiffApi.Differentiate(forward, request);
build.Stop();
if (options.SavePath is { } save)
{
    OnnxModelIO.Save(result.Model, save);
}

var random = new Random(1);
var feeds = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
{
    ["x"] = OrtValue.CreateTensorValueFromMemory(Uniform(random, options.Batch * 36 * 36, 1), [options.Batch, 1, 36, 36]),
    ["labels_left"] = OrtValue.CreateTensorValueFromMemory(Labels(random, options.Batch), [options.Batch]),
    ["labels_right"] = OrtValue.CreateTensorValueFromMemory(Labels(random, options.Batch), [options.Batch]),
};
foreach (var (name, shape) in MultiFashionLeNet.Parameters)
{
    var fanIn = shape.Skip(1).Aggregate(1L, (a, d) => a * d);
    feeds[name] = OrtValue.CreateTensorValueFromMemory(
        Uniform(random, shape.Aggregate(1L, (a, d) => a * d), 1 / Math.Sqrt(fanIn)), shape);
}

var gradientShapes = MultiFashionLeNet.Parameters.ToDictionary(p => result.GradientOutputs[p.Name], p => p.Shape);
var step = Time(
    result.Model,
    feeds,
    options,
    ["loss_left", "loss_right", .. result.GradientOutputs.Values],
    name => gradientShapes.TryGetValue(name, out var shape) ? shape : []);
var peak = PeakResidentBytes();
var forwardOnly = Time(forward, feeds, options, ["loss_left", "loss_right"], _ => []);

var report = new Dictionary<string, object>
{
    ["side"] = "onnxruntime",
    ["batch"] = options.Batch,
    ["threads"] = options.Threads,
    ["iterations"] = options.Iterations,
    ["step_median_ms"] = Median(step),
    ["step_min_ms"] = step.Min(),
    ["forward_median_ms"] = Median(forwardOnly),
    ["graph_build_ms"] = build.Elapsed.TotalMilliseconds,
    ["nodes"] = result.Model.Graph.Node.Count,
    ["peak_rss_mb"] = peak / 1048576.0,
    ["baseline_rss_mb"] = baseline / 1048576.0,
};
var json = JsonSerializer.Serialize(report);
Console.WriteLine(json);
if (options.JsonPath is { } path)
{
    File.WriteAllText(path, json);
}

foreach (var value in feeds.Values)
{
    value.Dispose();
}

static double[] Time(
    ModelProto model,
    Dictionary<string, OrtValue> feeds,
    BenchOptions options,
    string[] outputNames,
    Func<string, long[]> shapeOf)
{
    using var sessionOptions = new SessionOptions
    {
        IntraOpNumThreads = options.Threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
    using var session = new InferenceSession(OnnxModelIO.ToBytes(model), sessionOptions);
    var inputNames = session.InputNames.ToArray();
    var inputs = inputNames.Select(n => feeds[n]).ToArray();
    var outputs = outputNames
        .Select(n => OrtValue.CreateTensorValueFromMemory(new float[shapeOf(n).Aggregate(1L, (a, d) => a * d)], shapeOf(n)))
        .ToArray();
    using var runOptions = new RunOptions();
    try
    {
        for (var i = 0; i < options.Warmup; i++)
        {
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        }

        var times = new double[options.Iterations];
        for (var i = 0; i < options.Iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        return times;
    }
    finally
    {
        foreach (var output in outputs)
        {
            output.Dispose();
        }
    }
}

static ModelProto TinyModel()
{
    var b = new GraphBuilder("tiny");
    var x = b.AddInput("x", ElementType.Float, 1);
    b.AddOutput(b.Relu(x), ElementType.Float);
    return b.ToModel();
}

static double Median(double[] values)
{
    var sorted = values.Order().ToArray();
    var middle = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

static float[] Uniform(Random random, long count, double bound)
{
    var data = new float[count];
    for (var i = 0; i < count; i++)
    {
        data[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
    }

    return data;
}

static long[] Labels(Random random, long count) =>
    Enumerable.Range(0, (int)count).Select(_ => (long)random.Next(10)).ToArray();

// VmHWM is the process's peak resident set, the figure PyTorch's side reports through getrusage.
static long PeakResidentBytes()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            var kilobytes = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}

static BenchOptions ParseArguments(string[] args)
{
    var o = new BenchOptions(256, 2, 30, 5, null, null);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "--batch": o = o with { Batch = long.Parse(args[i + 1], CultureInfo.InvariantCulture) }; break;
            case "--threads": o = o with { Threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture) }; break;
            case "--iterations": o = o with { Iterations = int.Parse(args[i + 1], CultureInfo.InvariantCulture) }; break;
            case "--warmup": o = o with { Warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture) }; break;
            case "--json": o = o with { JsonPath = args[i + 1] }; break;
            case "--save": o = o with { SavePath = args[i + 1] }; break;
            default:
                throw new ArgumentException(
                    $"Unknown option '{args[i]}'; expected --batch, --threads, --iterations, --warmup, --json or --save.");
        }
    }

    return o;
}
