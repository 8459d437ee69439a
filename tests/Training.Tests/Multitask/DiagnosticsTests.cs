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

    [Fact]
    public void ComputeGram_LongBuffersOverManyChunks_MatchesDoubleReference()
    {
        float[][] rows = MatrixSamples.Create(3, 300_000, 3, seed: 8);
        var gradients = new GradientMatrix(rows) { MaxDegreeOfParallelism = 2 };

        GramMatrix gram = gradients.ComputeGram();

        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(MatrixSamples.Dot(rows[i], rows[j]), gram[i, j], 1e-9 * gram.Trace);
            }
        }

        var update = new float[300_000];
        gradients.WeightedSum([0.5, -2, 1], update);
        for (int k = 0; k < update.Length; k += 997)
        {
            Assert.Equal((0.5 * rows[0][k]) - (2 * rows[1][k]) + rows[2][k], update[k], 1e-5);
        }
    }
}
