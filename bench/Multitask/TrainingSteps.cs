using System.Globalization;
using MtlOnnx.Training.Compare;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;

namespace MtlOnnx.Bench.Multitask;

/// <summary>
/// Times whole training steps of a job under several methods, side by side in one process: rounds of one short
/// epoch per method, the method order rotated each round, so that a change of machine load falls on every method
/// alike. Reports each method's median step over the rounds and the median of its per-round ratio to <c>ew</c>.
/// </summary>
internal static class TrainingSteps
{
    public static void Run(string job, IReadOnlyList<string> methods, int rounds, int threads)
    {
        var spec = JobFile.Load(job);
        var steps = methods.ToDictionary(m => m, _ => new List<double>(), StringComparer.Ordinal);
        var folder = Directory.CreateTempSubdirectory("mtlonnx-bench-steps-").FullName;
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var order = methods.Skip(round % methods.Count).Concat(methods.Take(round % methods.Count)).ToList();
                var result = new MethodComparison(spec, new ComparisonOptions
                {
                    Methods = order,
                    Seeds = 1,
                    Epochs = 1,
                    IncludeBaselines = false,
                    OutputDirectory = Path.Combine(folder, $"round-{round}"),
                    Threads = threads,
                }).Run();
                foreach (var run in result.Runs)
                {
                    steps[run.Method!].Add(run.MedianStepSeconds * 1000);
                }

                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}/{rounds}: ") +
                    string.Join(", ", result.Runs.Select(r => string.Create(CultureInfo.InvariantCulture,
                        $"{r.Method} {r.MedianStepSeconds * 1000:F1} ms"))));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{spec.Name}: {rounds} rounds of one epoch per method ({spec.Data.TrainLimit} samples, batch " +
            $"{spec.Data.BatchSize}), {(threads > 0 ? threads : Environment.ProcessorCount)} threads."));
        Console.WriteLine();
        Console.WriteLine("| method | per-task gradients | step median (ms) | step min (ms) | ratio to ew (median) |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var method in methods)
        {
            var source = MultitaskMethods.Create(method, spec.Tasks.Count).GradientSource;
            var ratios = steps.TryGetValue("ew", out var reference)
                ? steps[method].Zip(reference, (m, e) => m / e).ToList()
                : [];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {method} | {Describe(source)} | {Median(steps[method]):F1} | {steps[method].Min():F1} | " +
                $"{(ratios.Count > 0 ? Median(ratios).ToString("F2", CultureInfo.InvariantCulture) : "—")} |"));
        }
    }

    internal static string Describe(GradientSource source) => source switch
    {
        GradientSource.None => "none (loss weighting)",
        GradientSource.Representation => "representation",
        _ => "exact (shared parameters)",
    };

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : 0.5 * (sorted[half - 1] + sorted[half]);
    }
}
