using System.Text.Json;
using MtlOnnx.Training.Compare;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Metrics;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Trainer;
using SixLabors.ImageSharp;
using TaskMetrics = System.Collections.Generic.Dictionary<string,
    System.Collections.Generic.Dictionary<string, double>>;

namespace MtlOnnx.Training.Tests.Compare;

public sealed class MethodComparisonTests
{
    private const string Job = """
        name: tiny
        seed: 5
        epochs: 2
        input: { kind: image, width: 16, height: 16, channels: 1 }
        trunk: { kind: mlp, hidden: [32] }
        tasks:
          - { name: shape, kind: multiclass }
          - { name: position, kind: regression, columns: [x, y] }
        data:
          source: shapes
          batch_size: 32
          prefetch: 1
          shapes: { image_size: 16, train_size: 256, validation_size: 64, test_size: 64 }
        optimizer: { kind: adam, learning_rate: 0.003 }
        """;

    [Fact]
    public void Run_TinyShapesJob_TableAgreesWithEveryRunsOwnMetrics()
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(Job, "tiny.yaml", folder.Path);
        var comparison = new MethodComparison(job, new ComparisonOptions
        {
            Methods = ["ew", "uw"],
            Seeds = 2,
            OutputDirectory = folder.File("compare"),
        });

        var result = comparison.Run();

        // Seed by seed: both baselines, then the methods; seeds are the job's seed plus 0 and 1.
        string[] labels = ["single-task:shape", "single-task:position", "ew", "uw"];
        Assert.Equal(labels.Concat(labels), comparison.Plan.Select(p => p.Label));
        Assert.Equal([5, 5, 5, 5, 6, 6, 6, 6], comparison.Plan.Select(p => p.Seed));
        Assert.False(result.Interrupted);
        Assert.Equal(8, result.Runs.Count);
        Assert.All(result.Runs, r => Assert.True(r.TimedSteps > 0 && r.MedianStepSeconds > 0));

        // Each run's metrics are the trainer's own test metrics, as it wrote them to metrics.json.
        var written = result.Runs.ToDictionary(r => r, r => TestMetrics(r.OutputDirectory!));
        foreach (var run in result.Runs)
        {
            Assert.Equal("test", run.Split);
            foreach (var (task, values) in written[run])
            {
                Assert.Equal(values, run.Metrics[task]);
            }
        }

        var table = result.Table;
        Assert.Equal([ComparisonTable.SingleTaskLabel, "ew", "uw"], table.Rows.Select(r => r.Label));
        Assert.Equal("ew", table.Reference);
        Assert.Equal(1.0, table.Rows[1].StepRatio);
        Assert.Equal(0, table.Rows[0].DeltaM.Mean, 12);
        foreach (var row in table.Rows)
        {
            var runs = result.Runs.Where(r => row.IsBaseline ? r.Method is null : r.Method == row.Label).ToList();
            foreach (var column in table.Columns)
            {
                var values = runs.Where(r => !row.IsBaseline || r.BaselineTask == column.Task)
                    .Select(r => written[r][column.Task][column.Metric]).ToList();
                var mean = values.Average();
                var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
                Assert.Equal(2, values.Count);
                Assert.Equal(mean, row.Metrics[column].Mean, 12);
                Assert.Equal(std, row.Metrics[column].StandardDeviation, 12);
            }

            if (!row.IsBaseline)
            {
                // Δm% per seed against that seed's two baselines, assembled here from the files.
                var deltas = runs.Select(r =>
                {
                    var baseline = result.Runs.Where(b => b.Method is null && b.Seed == r.Seed).ToDictionary(
                        b => b.BaselineTask!, b => (IReadOnlyDictionary<string, double>)written[b][b.BaselineTask!]);
                    var model = written[r].ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, double>)p.Value);
                    return DeltaM.Compute(model, baseline);
                }).ToList();
                Assert.Equal(deltas.Average(), row.DeltaM.Mean, 9);
            }
        }

        // A baseline trains its own task only: its loss weights are one-hot.
        var shapeOnly = result.Runs.First(r => r.BaselineTask == "shape");
        var history = JsonSerializer.Deserialize<List<EpochRecord>>(
            File.ReadAllText(Path.Combine(shapeOnly.OutputDirectory!, "history.json")))!;
        Assert.Equal(1.0, history[^1].TaskWeights["shape"]);
        Assert.Equal(0.0, history[^1].TaskWeights["position"]);

        Assert.Equal(4, File.ReadAllLines(result.Files.Csv).Length);
        Assert.Contains(table.ToMarkdown(), File.ReadAllText(result.Files.Markdown), StringComparison.Ordinal);
        using var image = Image.Load(result.Files.Plot!);
        Assert.Equal((560, 420), (image.Width, image.Height));
    }

    [Fact]
    public void Constructor_UnknownMethod_ThrowsListingTheRegistryNames()
    {
        var job = JobFile.Parse(Job, "tiny.yaml", Path.GetTempPath());

        var error = Assert.Throws<MultitaskConfigurationException>(() =>
            new MethodComparison(job, new ComparisonOptions { Methods = ["ew", "came-grad"] }));

        Assert.Contains("'came-grad'", error.Message, StringComparison.Ordinal);
        Assert.All(MultitaskMethods.Names, name => Assert.Contains(name, error.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "ew", "ew" }, 3)]
    [InlineData(new string[0], 3)]
    [InlineData(new[] { "ew" }, 0)]
    public void Constructor_BadMethodsOrSeeds_Throws(string[] methods, int seeds)
    {
        var job = JobFile.Parse(Job, "tiny.yaml", Path.GetTempPath());

        Assert.ThrowsAny<ArgumentException>(() =>
            new MethodComparison(job, new ComparisonOptions { Methods = methods, Seeds = seeds }));
    }

    private static TaskMetrics TestMetrics(string folder)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        return JsonSerializer.Deserialize<TaskMetrics>(document.RootElement.GetProperty("test").GetRawText())!;
    }
}
