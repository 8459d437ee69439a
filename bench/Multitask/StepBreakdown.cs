using System.Diagnostics;
using System.Globalization;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Trainer.Internal;

namespace MtlOnnx.Bench.Multitask;

/// <summary>
/// Splits a training step into its parts on one batch, the methods interleaved step by step: equal weighting's one
/// graph (forward and one backward pass), exact per-task gradients (forward, one trunk backward pass per task), and
/// the representation level's two graphs (forward with the heads' backward passes; the trunk's backward pass of the
/// update). The trunk's backward pass measured on its own bounds what exact mode can cost:
/// <c>ew + (T − 1) · trunk backward</c>.
/// </summary>
internal static class StepBreakdown
{
    public static void Run(string jobPath, IReadOnlyList<string> methods, int steps, int threads)
    {
        var job = JobFile.Load(jobPath);
        var splits = DatasetFactory.Create(job);
        var model = ModelFactory.Build(job, splits.BuildOptions());
        var loader = new BatchLoader(splits.Train, new BatchLoaderOptions
        {
            BatchSize = job.Data.BatchSize,
            Seed = job.Seed,
            Prefetch = 0,
        });
        using var batches = loader.Epoch(0).GetEnumerator();
        batches.MoveNext();
        var batch = batches.Current;
        using var device = TrainingDevice.Resolve(job.Device);
        var engines = methods.Select(m => new StepEngine(model, MultitaskMethods.Create(m, job.Tasks.Count),
            job.Optimizer, device, threads, job.Seed)).ToArray();
        var step = methods.Select(_ => new List<double>()).ToArray();
        var first = methods.Select(_ => new List<double>()).ToArray();
        var second = methods.Select(_ => new List<double>()).ToArray();
        try
        {
            // A few warm-up steps per method, then steps interleaved so load changes fall on every method alike.
            for (var s = -3; s < steps; s++)
            {
                for (var k = 0; k < engines.Length; k++)
                {
                    var started = Stopwatch.GetTimestamp();
                    engines[k].TrainStep(batch, 1e-4f);
                    if (s >= 0)
                    {
                        step[k].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        first[k].Add(engines[k].LastTrainingGraphTime.TotalMilliseconds);
                        second[k].Add(engines[k].LastBackwardGraphTime.TotalMilliseconds);
                    }
                }
            }
        }
        finally
        {
            foreach (var engine in engines)
            {
                engine.Dispose();
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{job.Name}: {steps} interleaved steps per method on one batch of {batch.Count}, " +
            $"{(threads > 0 ? threads : Environment.ProcessorCount)} threads (medians; minimum in brackets)."));
        Console.WriteLine();
        Console.WriteLine("| method | per-task gradients | step (ms) | training graph (ms) | trunk backward graph (ms) | " +
            "step / ew (paired) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        var ew = methods.ToList().IndexOf("ew");
        for (var k = 0; k < engines.Length; k++)
        {
            var source = MultitaskMethods.Create(methods[k], job.Tasks.Count).GradientSource;
            // Each step over the ew step of the same cycle, so that a change of load between cycles cancels.
            var ratio = ew >= 0
                ? Median([.. step[k].Zip(step[ew], (m, e) => m / e)]).ToString("F2", CultureInfo.InvariantCulture)
                : "—";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {methods[k]} | {TrainingSteps.Describe(source)} | {Median(step[k]):F1} ({step[k].Min():F1}) | " +
                $"{Median(first[k]):F1} ({first[k].Min():F1}) | {Median(second[k]):F1} ({second[k].Min():F1}) | " +
                $"{ratio} |"));
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : 0.5 * (sorted[half - 1] + sorted[half]);
    }
}
