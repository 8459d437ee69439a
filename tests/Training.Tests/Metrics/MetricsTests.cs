using MtlOnnx.Training.Metrics;

namespace MtlOnnx.Training.Tests.Metrics;

public sealed class MetricsTests
{
    [Fact]
    public void Classification_AccuracyAndMacroF1_MatchHandComputedValues()
    {
        // Truth/prediction pairs: class 0: 2 right, 1 as class 1; class 1: 1 right; class 2: 1 predicted as 0.
        var metrics = new ClassificationMetrics(3);
        foreach (var (t, p) in new[] { (0, 0), (0, 0), (0, 1), (1, 1), (2, 0) })
        {
            metrics.Add(t, p);
        }

        var result = metrics.Compute();

        // F1: class 0 = 2·2/(3+3) = 0.667, class 1 = 2·1/(1+2) = 0.667, class 2 = 0.
        Assert.Equal(0.6, result["accuracy"], 12);
        Assert.Equal(((4.0 / 6) + (2.0 / 3) + 0) / 3, result["macro-f1"], 12);
    }

    [Theory]
    [InlineData(new float[] { 0.1f, 0.4f, 0.35f, 0.8f }, new[] { false, false, true, true }, 0.75)]
    [InlineData(new float[] { 1, 2, 3, 4 }, new[] { false, false, true, true }, 1.0)]
    [InlineData(new float[] { 1, 1, 1, 1 }, new[] { false, true, false, true }, 0.5)]
    [InlineData(new float[] { 4, 3, 2, 1 }, new[] { false, false, true, true }, 0.0)]
    public void Binary_Auroc_MatchesRankDefinition(float[] scores, bool[] labels, double expected)
    {
        var metrics = new BinaryMetrics(1);
        for (var i = 0; i < scores.Length; i++)
        {
            metrics.Add(0, scores[i] - 0.5f, labels[i]);
        }

        Assert.Equal(expected, metrics.Compute()["auroc"], 12);
    }

    [Fact]
    public void Binary_AccuracyAndMacroF1_OverBothClasses()
    {
        var metrics = new BinaryMetrics(1);
        metrics.Add(0, 2f, true);
        metrics.Add(0, 1f, false);
        metrics.Add(0, -1f, false);
        metrics.Add(0, -3f, true);

        var result = metrics.Compute();

        // Positive class: tp 1, fp 1, fn 1 → F1 0.5; negative class: tn 1, fn 1, fp 1 → F1 0.5.
        Assert.Equal(0.5, result["accuracy"], 12);
        Assert.Equal(0.5, result["macro-f1"], 12);
    }

    [Fact]
    public void Regression_MetricsInOriginalUnits_MatchDefinitions()
    {
        var metrics = new RegressionMetrics([10], [2]);
        double[] truth = [8, 10, 12, 14];
        double[] predicted = [9, 10, 11, 15];
        for (var i = 0; i < truth.Length; i++)
        {
            metrics.AddOriginal(0, predicted[i], truth[i]);
        }

        var result = metrics.Compute();
        var sst = truth.Sum(t => Math.Pow(t - truth.Average(), 2));

        Assert.Equal(0.75, result["mae"], 12);
        Assert.Equal(Math.Sqrt(3.0 / 4), result["rmse"], 12);
        Assert.Equal(1 - (3 / sst), result["r2"], 12);
    }

    [Fact]
    public void DeltaM_MixedDirections_AveragesWithinThenAcrossTasks()
    {
        var baseline = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["a"] = new Dictionary<string, double> { ["accuracy"] = 0.80, ["macro-f1"] = 0.50 },
            ["b"] = new Dictionary<string, double> { ["rmse"] = 2.0 },
        };
        var model = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["a"] = new Dictionary<string, double> { ["accuracy"] = 0.88, ["macro-f1"] = 0.45, ["loss"] = 9 },
            ["b"] = new Dictionary<string, double> { ["rmse"] = 2.5 },
        };

        var delta = DeltaM.Compute(model, baseline);

        // Task a: (+0.10 − 0.10)/2 = 0; task b: −0.25. Mean −0.125 → −12.5 %.
        Assert.Equal(-12.5, delta, 10);
    }
}
