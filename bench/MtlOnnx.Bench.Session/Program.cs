using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Bench;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Session;
using TrainingSession = MtlOnnx.Training.Session.TrainingSession;

// Times the full training step of the Multi-Fashion two-task LeNet through MtlOnnx's TrainingSession: LazyResetGrad,
// TrainStep (forward, both cross-entropy losses, every gradient) and OptimizerStep (Adam), with the batch and the
// loss outputs in pinned buffers passed unchanged every step, as a data loader that refills its buffers does.
// Warm-up steps are excluded. Prints one JSON line with step medians and managed bytes allocated per step.
var options = ParseArguments(args);
var directory = Path.Combine(Path.GetTempPath(), "mtlonnx-session-bench-" + Guid.NewGuid().ToString("N"));
try
{
    var generate = Stopwatch.StartNew();
    var artifacts = ArtifactGenerator.Generate(
        new ArtifactSpec
        {
            Forward = MultiFashionLeNet.BuildForward(options.Batch, seed: 1),
            Trainable = MultiFashionLeNet.Parameters.Select(p => p.Name).ToArray(),
            Losses =
            [
                LossSpec.CrossEntropy("logits_left", "labels_left", "loss_left"),
                LossSpec.CrossEntropy("logits_right", "labels_right", "loss_right"),
            ],
            Optimizer = OptimizerSpec.Adam(1e-3f),
        },
        directory);
    generate.Stop();

    using var session = new TrainingSession(
        artifacts,
        new TrainingSessionOptions
        {
            Device = options.Device, IntraOpThreads = options.Threads, Optimizer = options.Optimizer,
        });
    var random = new Random(1);
    var x = GC.AllocateArray<float>((int)(options.Batch * 36 * 36), pinned: true);
    for (var i = 0; i < x.Length; i++)
    {
        x[i] = (float)((random.NextDouble() * 2) - 1);
    }

    var left = GC.AllocateArray<long>((int)options.Batch, pinned: true);
    var right = GC.AllocateArray<long>((int)options.Batch, pinned: true);
    for (var i = 0; i < left.Length; i++)
    {
        left[i] = random.Next(10);
        right[i] = random.Next(10);
    }

    var losses = GC.AllocateArray<float>(2, pinned: true);
    var host = OrtMemoryInfo.DefaultInstance;
    var feeds = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
    {
        ["x"] = OrtValue.CreateTensorValueFromMemory(host, x.AsMemory(), [options.Batch, 1, 36, 36]),
        ["labels_left"] = OrtValue.CreateTensorValueFromMemory(host, left.AsMemory(), [options.Batch]),
        ["labels_right"] = OrtValue.CreateTensorValueFromMemory(host, right.AsMemory(), [options.Batch]),
    };
    var inputs = session.InputNames(training: true).Select(n => feeds[n]).ToArray();
    OrtValue[] outputs =
    [
        OrtValue.CreateTensorValueFromMemory(host, losses.AsMemory(0, 1), []),
        OrtValue.CreateTensorValueFromMemory(host, losses.AsMemory(1, 1), []),
    ];

    if (options.VerifySteps > 0)
    {
        // The GPU script's end-to-end check: the same steps on the CPU must give nearly the same parameters.
        using var reference = new TrainingSession(
            artifacts, new TrainingSessionOptions { Device = "cpu", IntraOpThreads = options.Threads });
        for (var i = 0; i < options.VerifySteps; i++)
        {
            Step(session, inputs, outputs);
            Step(reference, inputs, outputs);
        }

        var actual = new float[session.ParameterCount()];
        var expected = new float[reference.ParameterCount()];
        session.CopyParametersTo(actual);
        reference.CopyParametersTo(expected);
        var worst = 0.0;
        var scale = expected.Max(v => Math.Abs(v));
        for (var i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / scale);
        }

        var verdict = worst < 1e-3 ? "agree" : "DIFFER";
        Console.WriteLine(
            $"{session.Device.Name} and cpu after {options.VerifySteps} steps: largest difference {worst:E2} of the " +
            $"largest parameter; they {verdict}.");
        return worst < 1e-3 ? 0 : 1;
    }

    for (var i = 0; i < options.Warmup; i++)
    {
        Step(session, inputs, outputs);
    }

    var firstLoss = losses[0] + losses[1];
    var steps = new double[options.Iterations];
    var trains = new double[options.Iterations];
    var optimizers = new double[options.Iterations];
    var watch = new Stopwatch();
    var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    for (var i = 0; i < options.Iterations; i++)
    {
        watch.Restart();
        session.LazyResetGrad();
        session.TrainStep(inputs, outputs);
        var trained = watch.Elapsed.TotalMilliseconds;
        session.OptimizerStep();
        steps[i] = watch.Elapsed.TotalMilliseconds;
        trains[i] = trained;
        optimizers[i] = steps[i] - trained;
    }

    var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    var report = new Dictionary<string, object>
    {
        ["side"] = "mtlonnx",
        ["device"] = session.Device.Name,
        ["optimizer_path"] = session.UsesOptimizerGraph ? "graph" : "cpu",
        ["batch"] = options.Batch,
        ["threads"] = options.Threads,
        ["iterations"] = options.Iterations,
        ["step_median_ms"] = Median(steps),
        ["step_min_ms"] = steps.Min(),
        ["train_step_median_ms"] = Median(trains),
        ["optimizer_step_median_ms"] = Median(optimizers),
        ["managed_bytes_per_step"] = (double)allocated / options.Iterations,
        ["artifact_generation_ms"] = generate.Elapsed.TotalMilliseconds,
        ["loss_after_warmup"] = firstLoss,
        ["loss_at_end"] = losses[0] + losses[1],
    };

    var json = JsonSerializer.Serialize(report);
    Console.WriteLine(json);
    if (options.JsonPath is { } path)
    {
        File.WriteAllText(path, json);
    }

    foreach (var value in feeds.Values.Concat(outputs))
    {
        value.Dispose();
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

return 0;

static void Step(TrainingSession session, OrtValue[] inputs, OrtValue[] outputs)
{
    session.LazyResetGrad();
    session.TrainStep(inputs, outputs);
    session.OptimizerStep();
}

static double Median(double[] values)
{
    var sorted = values.Order().ToArray();
    var middle = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

static Options ParseArguments(string[] args)
{
    var (batch, threads, iterations, warmup, device, optimizer, json, verify) =
        (256L, 2, 30, 5, "cpu", OptimizerExecution.Auto, (string?)null, 0);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        var value = args[i + 1];
        switch (args[i])
        {
            case "--batch":
                batch = long.Parse(value, CultureInfo.InvariantCulture);
                break;
            case "--threads":
                threads = int.Parse(value, CultureInfo.InvariantCulture);
                break;
            case "--iterations":
                iterations = int.Parse(value, CultureInfo.InvariantCulture);
                break;
            case "--warmup":
                warmup = int.Parse(value, CultureInfo.InvariantCulture);
                break;
            case "--device":
                device = value;
                break;
            case "--optimizer":
                optimizer = Enum.Parse<OptimizerExecution>(value, ignoreCase: true);
                break;
            case "--json":
                json = value;
                break;
            case "--verify-steps":
                verify = int.Parse(value, CultureInfo.InvariantCulture);
                break;
            default:
                throw new ArgumentException($"Unknown option '{args[i]}'.");
        }
    }

    return new Options(batch, threads, iterations, warmup, device, optimizer, json, verify);
}

internal sealed record Options(
    long Batch,
    int Threads,
    int Iterations,
    int Warmup,
    string Device,
    OptimizerExecution Optimizer,
    string? JsonPath,
    int VerifySteps);
