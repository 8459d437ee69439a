using System.Text.Json.Nodes;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Aggregation;

namespace MtlOnnx.Training.Tests.Multitask;

/// <summary>
/// Builds the fixed reference cases once, runs the Python reference on all of them in one process, and keeps both
/// sides' results for the tests to compare.
/// </summary>
public sealed class ReferenceFixture
{
    public ReferenceFixture()
    {
        Cases = [.. ReferenceCases.Build(), .. WeightingReferenceCases.Build()];
        var array = new JsonArray(Cases.Select(c => (JsonNode)c.ToJson()).ToArray());
        Expected = PythonReference.Run(array);
    }

    internal IReadOnlyList<ReferenceCase> Cases { get; }

    internal JsonObject Expected { get; }
}

/// <summary>One reference case: a method, its options and a sequence of steps.</summary>
internal sealed record ReferenceCase(
    string Id,
    string Method,
    Dictionary<string, object?> Options,
    IReadOnlyList<ReferenceStep> Steps,
    IReadOnlyList<float[][]>? Epochs = null)
{
    public JsonObject ToJson()
    {
        var options = new JsonObject();
        foreach ((string key, object? value) in Options)
        {
            options[key] = value switch
            {
                double[] values => new JsonArray(values.Select(v => (JsonNode)v).ToArray()),
                double d => d,
                int i => i,
                bool b => b,
                _ => value?.ToString(),
            };
        }

        var steps = new JsonArray();
        foreach (ReferenceStep step in Steps)
        {
            var node = new JsonObject { ["rows"] = PythonReference.ToJson(step.Rows) };
            node["losses"] = new JsonArray(step.Losses.Select(v => (JsonNode)(double)v).ToArray());
            if (step.Thresholds is not null)
            {
                node["thresholds"] = new JsonArray(step.Thresholds.Select(v => (JsonNode)v).ToArray());
            }

            if (step.LossesAfter is not null)
            {
                node["losses_after"] = new JsonArray(step.LossesAfter.Select(v => (JsonNode)(double)v).ToArray());
            }

            steps.Add(node);
        }

        var json = new JsonObject { ["id"] = Id, ["method"] = Method, ["options"] = options, ["steps"] = steps };
        if (Epochs is not null)
        {
            json["epochs"] = new JsonArray(Epochs.Select(e => (JsonNode)PythonReference.ToJson(e)).ToArray());
        }

        return json;
    }
}

/// <summary>One step of a reference case.</summary>
internal sealed record ReferenceStep(float[][] Rows, float[] Losses, double[]? Thresholds = null, float[]? LossesAfter = null);

/// <summary>The fixed matrices and options of the reference comparison.</summary>
internal static class ReferenceCases
{
    public static IReadOnlyList<ReferenceCase> Build()
    {
        var cases = new List<ReferenceCase>();
        int seed = 1000;

        void Add(string method, int tasks, int length, int rank, Dictionary<string, object?>? options = null, int steps = 1)
        {
            var list = new List<ReferenceStep>();
            for (int s = 0; s < steps; s++)
            {
                float[][] rows = MatrixSamples.Create(tasks, length, rank, seed++);
                float[] losses = MatrixSamples.Losses(tasks);
                double[]? thresholds = method == "graddrop"
                    ? Enumerable.Range(0, length).Select(k => ((k * 0.37) + (s * 0.11)) % 1.0).ToArray()
                    : null;
                list.Add(new ReferenceStep(rows, losses, thresholds));
            }

            cases.Add(new ReferenceCase($"{method}-{cases.Count}", method, options ?? [], list));
        }

        Add("sum", 3, 8, 3);
        Add("mean", 4, 8, 2);
        Add("pcgrad", 2, 10, 2, new() { ["shuffle"] = false });
        Add("pcgrad", 4, 10, 4, new() { ["shuffle"] = false });
        Add("gradvac", 3, 10, 3, new() { ["shuffle"] = false }, steps: 3);
        Add("gradvac", 2, 6, 2, new() { ["shuffle"] = false, ["beta"] = 0.1 }, steps: 2);
        Add("cagrad", 2, 10, 2);
        Add("cagrad", 3, 10, 3);
        Add("cagrad", 3, 10, 3, new() { ["c"] = 1.0, ["rescale"] = 0 });
        Add("cagrad", 2, 7, 2, new() { ["c"] = 0.5, ["rescale"] = 2 });
        Add("mgda", 2, 10, 2);
        Add("mgda", 3, 10, 3);
        Add("mgda", 5, 12, 5);
        Add("mgda", 5, 12, 3);
        Add("imtlg", 2, 10, 2);
        Add("imtlg", 3, 10, 3);
        Add("imtlg", 4, 12, 4);
        Add("nashmtl", 2, 10, 2);
        Add("nashmtl", 3, 10, 3, new() { ["max_norm"] = 0.0 });
        Add("nashmtl", 4, 12, 4);
        Add("alignedmtl", 3, 10, 3);
        Add("alignedmtl", 4, 10, 2);
        Add("upgrad", 2, 10, 2);
        Add("upgrad", 3, 10, 3);
        Add("upgrad", 5, 12, 5);
        Add("upgrad", 4, 12, 2, new() { ["norm_eps"] = 0.0, ["reg_eps"] = 0.0 });
        Add("dualproj", 3, 10, 3);
        Add("dualproj", 5, 12, 5);
        Add("config", 2, 10, 2);
        Add("config", 3, 10, 3);
        Add("config", 4, 12, 4);
        Add("graddrop", 3, 16, 3);
        Add("graddrop", 4, 16, 2, new() { ["leak"] = 0.3 });
        Add("camegrad", 2, 10, 2);
        Add("camegrad", 3, 10, 3);
        Add("camegrad", 2, 8, 2, new() { ["task_weights"] = new[] { 1.0, 4.0 }, ["adaptive_fusion"] = false });
        return cases;
    }

    /// <summary>Runs the C# implementation of a case and returns one update per step.</summary>
    public static List<float[]> RunAggregator(ReferenceCase c)
    {
        int tasks = c.Steps[0].Rows.Length;
        var results = new List<float[]>();
        IGradientAggregator aggregator = GradientAggregators.Create(c.Method, tasks, c.Options);
        var aggregation = new GradientAggregation(aggregator);
        foreach (ReferenceStep step in c.Steps)
        {
            var gradients = new GradientMatrix(step.Rows);
            var update = new float[step.Rows[0].Length];
            if (c.Method == "graddrop")
            {
                double leak = c.Options.TryGetValue("leak", out object? value) ? (double)value! : 0;
                GradDropAggregator.ApplyMask(gradients, step.Thresholds, leak, update);
            }
            else
            {
                aggregation.Aggregate(gradients, step.Losses, update);
            }

            results.Add(update);
        }

        return results;
    }
}
