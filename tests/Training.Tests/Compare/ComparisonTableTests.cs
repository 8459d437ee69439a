using System.Globalization;
using MtlOnnx.Training.Compare;

namespace MtlOnnx.Training.Tests.Compare;

public sealed class ComparisonTableTests
{
    private static readonly string[] s_tasks = ["a", "b"];

    [Fact]
    public void Build_ThreeSeeds_MeanAndSampleStdOfEachMetric()
    {
        double[] accuracies = [0.70, 0.74, 0.81];
        var runs = Baselines(3).Concat(accuracies.Select((v, seed) => Run("pcgrad", seed, v, 0.5, 0.2))).ToList();

        var table = ComparisonTable.Build(s_tasks, runs);

        var row = table.Rows.Single(r => r.Label == "pcgrad");
        var summary = row.Metrics[new ComparisonColumn("a", "accuracy")];
        double mean = (0.70 + 0.74 + 0.81) / 3;
        double std = Math.Sqrt((Math.Pow(0.70 - mean, 2) + Math.Pow(0.74 - mean, 2) + Math.Pow(0.81 - mean, 2)) / 2);
        Assert.Equal(3, row.Seeds);
        Assert.Equal(mean, summary.Mean, 12);
        Assert.Equal(std, summary.StandardDeviation, 12);
        Assert.Equal(0, row.Metrics[new ComparisonColumn("b", "mae")].StandardDeviation, 12);
    }

    [Fact]
    public void Build_RunEqualToTheBaselines_HasZeroDeltaM_AndBaselineRowToo()
    {
        var runs = Baselines(2).Concat([Run("ew", 0, 0.8, 0.1, 0.2), Run("ew", 1, 0.8, 0.1, 0.2)]).ToList();

        var table = ComparisonTable.Build(s_tasks, runs);

        Assert.Equal(0, table.Rows.Single(r => r.Label == "ew").DeltaM.Mean, 12);
        Assert.Equal(0, table.Rows.Single(r => r.IsBaseline).DeltaM.Mean, 12);
        Assert.Equal(ComparisonTable.SingleTaskLabel, table.Rows[0].Label);
    }

    [Fact]
    public void Build_DeltaM_IsPerSeedAgainstThatSeedsBaselines()
    {
        // Baselines a.accuracy 0.8, b.mae 0.1 (lower is better); seed 0 run: accuracy +10 %, mae +50 % (worse).
        var runs = Baselines(1).Append(Run("mgda", 0, 0.88, 0.15, 0.2)).ToList();

        var row = ComparisonTable.Build(s_tasks, runs).Rows.Single(r => r.Label == "mgda");

        Assert.Equal(100 * ((0.10 + 0) / 1 + (-0.5)) / 2, row.DeltaM.Mean, 9);
        Assert.Equal(1, row.DeltaM.Count);
    }

    [Fact]
    public void Build_StepRatio_IsPairedPerSeed_AndOneForEqualWeighting()
    {
        // Seed 1 ran on a machine twice as slow: the paired ratio is 1.5 for both seeds.
        var runs = Baselines(2).Concat([
            Run("ew", 0, 0.8, 0.1, 0.2), Run("ew", 1, 0.8, 0.1, 0.4),
            Run("cagrad", 0, 0.8, 0.1, 0.3), Run("cagrad", 1, 0.8, 0.1, 0.6),
        ]).ToList();

        var table = ComparisonTable.Build(s_tasks, runs);

        Assert.Equal("ew", table.Reference);
        Assert.Equal(1.0, table.Rows.Single(r => r.Label == "ew").StepRatio);
        Assert.Equal(1.5, table.Rows.Single(r => r.Label == "cagrad").StepRatio, 12);
        Assert.Equal(450, table.Rows.Single(r => r.Label == "cagrad").StepMilliseconds.Mean, 9);
    }

    [Fact]
    public void Build_WithoutEqualWeighting_StepsAreRelativeToTheBaselines()
    {
        var runs = Baselines(1, step: 0.4).Append(Run("upgrad", 0, 0.8, 0.1, 0.5)).ToList();

        var table = ComparisonTable.Build(s_tasks, runs);

        Assert.Equal(ComparisonTable.SingleTaskLabel, table.Reference);
        Assert.Equal(1.25, table.Rows.Single(r => r.Label == "upgrad").StepRatio, 12);
    }

    [Fact]
    public void ToCsv_OneLinePerRow_ValuesRoundTrip()
    {
        var runs = Baselines(2).Concat([Run("ew", 0, 0.75, 0.1, 0.2), Run("ew", 1, 0.85, 0.1, 0.2)]).ToList();
        var table = ComparisonTable.Build(s_tasks, runs);

        var lines = table.ToCsv().TrimEnd('\n').Split('\n');

        var header = lines[0].Split(',');
        Assert.Equal(3, lines.Length);
        Assert.Equal(["method", "seeds", "a.accuracy.mean", "a.accuracy.std"], header[..4]);
        var ew = lines[2].Split(',');
        Assert.Equal("ew", ew[0]);
        Assert.Equal(0.8, double.Parse(ew[Array.IndexOf(header, "a.accuracy.mean")], CultureInfo.InvariantCulture), 12);
        Assert.Equal(1.0, double.Parse(ew[Array.IndexOf(header, "step_ratio")], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ToMarkdown_HeaderAndOneRowPerMethod_WithMeanPlusMinusStd()
    {
        var runs = Baselines(1).Append(Run("ew", 0, 0.8, 0.1, 0.2)).ToList();

        var lines = ComparisonTable.Build(s_tasks, runs).ToMarkdown().TrimEnd('\n').Split('\n');

        Assert.Equal("| method | seeds | a accuracy | b mae | Δm% | step (ms) | step vs ew |", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("| ew | 1 | 0.8000 ± 0.0000 | 0.1000 ± 0.0000 | 0.00 ± 0.00 | 200.0 ± 0.0 | 1.00 |", lines[3]);
    }

    [Fact]
    public void Build_BaselineOfAnUnknownTask_Throws()
    {
        var run = new ComparisonRun { BaselineTask = "c", Seed = 0, Metrics = Metrics(0.8, 0.1), MedianStepSeconds = 0.1 };

        Assert.Throws<ArgumentException>(() => ComparisonTable.Build(s_tasks, [run]));
    }

    [Theory]
    [InlineData(new double[0], double.NaN, double.NaN)]
    [InlineData(new[] { 2.5 }, 2.5, 0.0)]
    [InlineData(new[] { 1.0, 3.0 }, 2.0, 1.4142135623730951)]
    public void MetricSummary_Of_MeanAndSampleStd(double[] values, double mean, double std)
    {
        var summary = MetricSummary.Of(values);

        Assert.Equal(values.Length, summary.Count);
        Assert.Equal(mean, summary.Mean, 12);
        Assert.Equal(std, summary.StandardDeviation, 12);
    }

    private static IEnumerable<ComparisonRun> Baselines(int seeds, double step = 0.2) =>
        Enumerable.Range(0, seeds).SelectMany(seed => s_tasks.Select(task => new ComparisonRun
        {
            BaselineTask = task,
            Seed = seed,
            Metrics = Metrics(0.8, 0.1),
            MedianStepSeconds = step,
        }));

    private static ComparisonRun Run(string method, int seed, double accuracy, double mae, double step) => new()
    {
        Method = method,
        Seed = seed,
        Metrics = Metrics(accuracy, mae),
        MedianStepSeconds = step,
    };

    private static Dictionary<string, IReadOnlyDictionary<string, double>> Metrics(double accuracy, double mae) => new()
    {
        ["a"] = new Dictionary<string, double> { ["accuracy"] = accuracy },
        ["b"] = new Dictionary<string, double> { ["mae"] = mae },
    };
}
