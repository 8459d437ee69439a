using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Multitask.Diagnostics;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class DiagnosticsTests
{
    private static readonly float[][] s_rows = [[3f, 0f], [0f, 1f], [-1f, 1f]];

    [Fact]
    public void Aggregate_FixedMatrix_ReportsCosinesMagnitudesConflictsAndSurvival()
    {
        var aggregation = new GradientAggregation(GradientAggregators.Create("sum", 3));
        var diagnostics = new MultitaskDiagnostics(3);
        var update = new float[2];

        aggregation.Aggregate(new GradientMatrix(s_rows), [], update, diagnostics);

        // update = (2, 2); |g| = 3, 1, √2.
        Assert.Equal(3.0, diagnostics.GradientNorms[0], 12);
        Assert.Equal(1.0, diagnostics.GradientNorms[1], 12);
        Assert.Equal(Math.Sqrt(2), diagnostics.GradientNorms[2], 12);
        Assert.Equal(0.0, diagnostics.Cosine[0, 1], 12);
        Assert.Equal(-1 / Math.Sqrt(2), diagnostics.Cosine[0, 2], 12);
        Assert.Equal(1 / Math.Sqrt(2), diagnostics.Cosine[1, 2], 12);
        Assert.Equal(2 * 3.0 * 1 / (9 + 1), diagnostics.MagnitudeSimilarity[0, 1], 12);
        Assert.Equal(1.0 / 3, diagnostics.ConflictShare, 12);
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, diagnostics.TaskWeights);
        Assert.Equal(6.0 / 9, diagnostics.Survival[0], 12);
        Assert.Equal(2.0, diagnostics.Survival[1], 12);
        Assert.Equal(0.0, diagnostics.Survival[2], 12);
    }

    [Fact]
    public void Aggregate_CoordinateMethod_ReportsSurvivalFromTheUpdateItself()
    {
        var aggregation = new GradientAggregation(
            GradientAggregators.Create("graddrop", 3, new Dictionary<string, object?> { ["leak"] = 1.0 }));
        var diagnostics = new MultitaskDiagnostics(3);
        var update = new float[2];

        aggregation.Aggregate(new GradientMatrix(s_rows), [], update, diagnostics);

        Assert.All(diagnostics.TaskWeights, w => Assert.True(double.IsNaN(w)));
        Assert.Equal(6.0 / 9, diagnostics.Survival[0], 6);
        Assert.Equal(1.0 / 3, diagnostics.ConflictShare, 12);
    }

    [Fact]
    public void Aggregate_UPGrad_NoTaskHasNegativeSurvival()
    {
        var aggregation = new GradientAggregation(GradientAggregators.Create("upgrad", 3));
        var diagnostics = new MultitaskDiagnostics(3);

        aggregation.Aggregate(new GradientMatrix(s_rows), [], new float[2], diagnostics);

        Assert.All(diagnostics.Survival, s => Assert.True(s >= -1e-3, $"Survival {s}."));
        Assert.True(diagnostics.SolverTime >= TimeSpan.Zero);
    }

    [Theory]
    [InlineData(3, 300_000)]
    [InlineData(7, 70_001)]
    [InlineData(10, 4_099)]
    public void ComputeGram_LongBuffersOverManyChunks_MatchesDoubleReference(int tasks, int length)
    {
        float[][] rows = MatrixSamples.Create(tasks, length, tasks, seed: 8);
        var gradients = new GradientMatrix(rows) { MaxDegreeOfParallelism = 2 };

        GramMatrix gram = gradients.ComputeGram();

        for (int i = 0; i < tasks; i++)
        {
            for (int j = 0; j < tasks; j++)
            {
                Assert.Equal(MatrixSamples.Dot(rows[i], rows[j]), gram[i, j], 1e-9 * gram.Trace);
            }
        }

        var update = new float[length];
        double[] weights = Enumerable.Range(0, tasks).Select(i => (i % 2 == 0 ? 0.5 : -2.0) / (i + 1)).ToArray();
        gradients.WeightedSum(weights, update);
        for (int k = 0; k < update.Length; k += 997)
        {
            double expected = Enumerable.Range(0, tasks).Sum(i => weights[i] * rows[i][k]);
            Assert.Equal(expected, update[k], 1e-5);
        }
    }
}
