using MtlOnnx.Training.Multitask;

namespace MtlOnnx.Training.Tests.Multitask;

/// <summary>
/// Reference cases of the stateful task weightings: FAMO, DWA, GradNorm and DB-MTL over several steps.
/// </summary>
internal static class WeightingReferenceCases
{
    public static IReadOnlyList<ReferenceCase> Build()
    {
        var random = new Random(77);
        float Loss() => (float)(0.2 + (2 * random.NextDouble()));

        var famoSteps = Enumerable.Range(0, 6)
            .Select(_ =>
            {
                float[] before = [Loss(), Loss(), Loss()];
                float[] after = before.Select(l => l * (float)(0.8 + (0.3 * random.NextDouble()))).ToArray();
                return new ReferenceStep([], before, LossesAfter: after);
            })
            .ToArray();

        float[][] Epoch() => Enumerable.Range(0, 4).Select(_ => new[] { Loss(), Loss() }).ToArray();
        float[][][] epochs = [Epoch(), Epoch(), Epoch(), Epoch()];

        ReferenceStep[] GradientSteps(int tasks, int length, int seed) => Enumerable.Range(0, 5)
            .Select(s => new ReferenceStep(
                MatrixSamples.Create(tasks, length, tasks, seed + s),
                Enumerable.Range(0, tasks).Select(_ => Loss()).ToArray()))
            .ToArray();

        return
        [
            new ReferenceCase("famo-0", "famo", [], famoSteps),
            new ReferenceCase("famo-1", "famo", new() { ["w_lr"] = 0.1, ["w_gamma"] = 0.0 }, famoSteps),
            new ReferenceCase("dwa-0", "dwa", [], [], epochs),
            new ReferenceCase("dwa-1", "dwa", new() { ["temperature"] = 0.5 }, [], epochs),
            new ReferenceCase("gradnorm-0", "gradnorm", new() { ["learning_rate"] = 0.05 }, GradientSteps(3, 12, 500)),
            new ReferenceCase(
                "gradnorm-1", "gradnorm", new() { ["alpha"] = 0.5, ["learning_rate"] = 0.1 }, GradientSteps(2, 9, 600)),
            new ReferenceCase("dbmtl-0", "dbmtl", [], GradientSteps(3, 12, 700)),
            new ReferenceCase("dbmtl-1", "dbmtl", new() { ["beta"] = 0.5, ["beta_sigma"] = 0.5 }, GradientSteps(2, 9, 800)),
        ];
    }

    /// <summary>Runs the C# method of a case and returns its per-step outputs in the reference's format.</summary>
    public static List<double[]> Run(ReferenceCase c)
    {
        var results = new List<double[]>();
        switch (c.Method)
        {
            case "famo":
            {
                IMultitaskMethod method = MultitaskMethods.Create("famo", 3, c.Options);
                var weights = new float[3];
                foreach (ReferenceStep step in c.Steps)
                {
                    method.GetLossWeights(step.Losses, weights);
                    results.Add(weights.Select(w => (double)w).ToArray());
                    method.CompleteStep(step.Losses, step.LossesAfter);
                }

                break;
            }

            case "dwa":
            {
                IMultitaskMethod method = MultitaskMethods.Create("dwa", 2, c.Options);
                var weights = new float[2];
                foreach (float[][] epoch in c.Epochs!)
                {
                    method.GetLossWeights([], weights);
                    results.Add(weights.Select(w => (double)w).ToArray());
                    foreach (float[] losses in epoch)
                    {
                        method.CompleteStep(losses, []);
                    }

                    method.CompleteEpoch();
                }

                method.GetLossWeights([], weights);
                results.Add(weights.Select(w => (double)w).ToArray());
                break;
            }

            case "gradnorm":
            case "dbmtl":
            {
                int tasks = c.Steps[0].Rows.Length;
                IMultitaskMethod method = MultitaskMethods.Create(c.Method, tasks, c.Options);
                var update = new float[c.Steps[0].Rows[0].Length];
                var heads = new float[tasks];
                foreach (ReferenceStep step in c.Steps)
                {
                    method.Aggregate(new GradientMatrix(step.Rows), step.Losses, update, null);
                    if (c.Method == "gradnorm")
                    {
                        method.GetHeadWeights(step.Losses, heads);
                        results.Add(heads.Select(w => (double)w).ToArray());
                    }
                    else
                    {
                        results.Add(update.Select(v => (double)v).ToArray());
                    }
                }

                break;
            }

            default:
                throw new InvalidOperationException($"No weighting reference runner for '{c.Method}'.");
        }

        return results;
    }
}
