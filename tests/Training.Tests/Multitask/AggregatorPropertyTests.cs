using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Aggregation;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class AggregatorPropertyTests
{
    // Aggregators whose result does not depend on the order of the tasks (PCGrad, GradVac and GradDrop draw random
    // orders or thresholds, so they are left out).
    private static readonly string[] s_permutationInvariant =
    [
        "ew", "sum", "mean", "cagrad", "mgda", "mgdaub", "imtlg", "nashmtl", "alignedmtl", "upgrad", "dualproj",
        "config", "camegrad",
    ];

    private static readonly double[] s_scales = [1e-10, 1e-5, 1, 1e3, 1e5, 1e10];

    public static TheoryData<string, int> MethodsAndShapes()
    {
        var data = new TheoryData<string, int>();
        foreach (string method in GradientAggregators.Names)
        {
            for (int shape = 0; shape < MatrixSamples.Shapes.Length; shape++)
            {
                data.Add(method, shape);
            }
        }

        return data;
    }

    public static TheoryData<string> Methods() => new(GradientAggregators.Names);

    public static TheoryData<string> InvariantMethods() => new(s_permutationInvariant);

    public static TheoryData<string, double> MethodsAndScales()
    {
        var data = new TheoryData<string, double>();
        foreach (string method in GradientAggregators.Names)
        {
            foreach (double scale in s_scales)
            {
                data.Add(method, scale);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MethodsAndShapes))]
    public void Aggregate_RandomMatrices_ReturnsFiniteUpdateOfGradientLength(string method, int shape)
    {
        (int tasks, int length, int rank) = MatrixSamples.Shapes[shape];
        float[][] rows = MatrixSamples.Create(tasks, length, rank, seed: shape);

        float[] update = MatrixSamples.Aggregate(method, rows);

        Assert.Equal(length, update.Length);
        Assert.All(update, value => Assert.True(float.IsFinite(value), $"{method} produced {value}."));
    }

    [Theory]
    [MemberData(nameof(MethodsAndScales))]
    public void Aggregate_ScaledMatrices_ReturnsFiniteUpdate(string method, double scale)
    {
        float[][] rows = MatrixSamples.Create(5, 40, 3, seed: 11, scale: scale);

        float[] update = MatrixSamples.Aggregate(method, rows);

        Assert.All(update, value => Assert.True(float.IsFinite(value), $"{method} at scale {scale} produced {value}."));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Aggregate_ZeroMatrix_ReturnsZeroUpdate(string method)
    {
        foreach ((int tasks, int length) in new[] { (1, 1), (4, 3), (9, 11) })
        {
            float[][] rows = Enumerable.Range(0, tasks).Select(_ => new float[length]).ToArray();

            float[] update = MatrixSamples.Aggregate(method, rows);

            Assert.All(update, value => Assert.Equal(0f, value));
        }
    }

    [Theory]
    [MemberData(nameof(InvariantMethods))]
    public void Aggregate_PermutedTasks_ReturnsSameUpdate(string method)
    {
        for (int shape = 0; shape < MatrixSamples.Shapes.Length; shape++)
        {
            (int tasks, int length, int rank) = MatrixSamples.Shapes[shape];
            // Without a positive solution of Gα = 1/α (rank-deficient gradients of mixed signs) Nash-MTL's weights come
            // from the ridge and are ill-conditioned, so only full-rank shapes are compared.
            if (method == "nashmtl" && rank < tasks)
            {
                continue;
            }

            float[][] rows = MatrixSamples.Create(tasks, length, rank, seed: 100 + shape);
            (float[] expected, double magnitude) = MatrixSamples.AggregateWithScale(method, rows);
            for (int trial = 0; trial < 3; trial++)
            {
                float[][] permuted = MatrixSamples.Permute(rows, MatrixSamples.Permutation(tasks, trial));

                float[] actual = MatrixSamples.Aggregate(method, permuted);

                for (int k = 0; k < length; k++)
                {
                    Assert.True(
                        Math.Abs(actual[k] - expected[k]) <= 1e-5 * magnitude,
                        $"{method}, shape {shape}, permutation {trial}: coordinate {k} is {actual[k]}, expected {expected[k]}.");
                }
            }
        }
    }

    [Theory]
    [InlineData("upgrad", 0.0)]
    [InlineData("dualproj", 0.0)]
    [InlineData("mgda", 0.0)]
    [InlineData("mgdaub", 0.0)]
    [InlineData("cagrad", 1.0)]
    [InlineData("cagrad", 2.0)]
    public void Aggregate_NonConflictingMethods_ConflictsWithNoTask(string method, double c)
    {
        Dictionary<string, object?>? options = method switch
        {
            "cagrad" => new() { ["c"] = c },
            "upgrad" or "dualproj" => new() { ["norm_eps"] = 0.0, ["reg_eps"] = 0.0 },
            _ => null,
        };
        for (int shape = 0; shape < MatrixSamples.Shapes.Length; shape++)
        {
            (int tasks, int length, int rank) = MatrixSamples.Shapes[shape];
            float[][] rows = MatrixSamples.Create(tasks, length, rank, seed: 200 + shape);

            (float[] update, double magnitude) = MatrixSamples.AggregateWithScale(method, rows, options);

            foreach (float[] row in rows)
            {
                double dot = MatrixSamples.Dot(row, update);
                Assert.True(
                    dot >= -1e-5 * MatrixSamples.Norm(row) * magnitude,
                    $"{method} (c = {c}), shape {shape}: g·update = {dot} with |g| = {MatrixSamples.Norm(row)} and " +
                    $"term magnitude {magnitude}.");
            }
        }
    }

    [Theory]
    [InlineData("upgrad")]
    [InlineData("dualproj")]
    public void Aggregate_DualConeDefaults_ConflictOnlyWithinTheRidgeBound(string method)
    {
        // With the default ridge ε = 1e-4 on the trace-normalized Gram matrix, KKT gives
        // g_t · update ≥ −ε · trace · v_t, so a conflict can only be as large as that bound.
        for (int shape = 0; shape < MatrixSamples.Shapes.Length; shape++)
        {
            (int tasks, int length, int rank) = MatrixSamples.Shapes[shape];
            float[][] rows = MatrixSamples.Create(tasks, length, rank, seed: 300 + shape);
            var gram = new GradientMatrix(rows).ComputeGram();
            var weights = new double[tasks];
            ((IGramAggregator)GradientAggregators.Create(method, tasks)).ComputeWeights(gram, [], weights);
            double bound = 1e-4 * gram.Trace * weights.Sum(Math.Abs);

            (float[] update, double magnitude) = MatrixSamples.AggregateWithScale(method, rows);

            foreach (float[] row in rows)
            {
                double slack = 1e-5 * MatrixSamples.Norm(row) * magnitude;
                Assert.True(MatrixSamples.Dot(row, update) >= -bound - slack, $"{method}, shape {shape}.");
            }
        }
    }

    [Fact]
    public void Aggregate_CAGradWithRadiusBelowOne_CanConflict()
    {
        // Two nearly opposite gradients of very different norms: the mean follows the larger one, and a small ball
        // around it cannot reach a direction that helps the smaller task.
        float[][] rows = [[10f, 0.1f], [-1f, 0.05f]];

        float[] update = MatrixSamples.Aggregate("cagrad", rows, new Dictionary<string, object?> { ["c"] = 0.1 });

        Assert.True(MatrixSamples.Dot(rows[1], update) < 0);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(11100)]
    public void PCGrad_TwoTasks_EqualsUPGradWithUnitPreferences(int length)
    {
        for (int seed = 0; seed < 5; seed++)
        {
            float[][] rows = MatrixSamples.Create(2, length, 2, seed: seed + length);
            var upgradOptions = new Dictionary<string, object?>
            {
                ["preference_weights"] = new[] { 1.0, 1.0 },
                ["norm_eps"] = 0.0,
                ["reg_eps"] = 0.0,
            };

            float[] pcgrad = MatrixSamples.Aggregate("pcgrad", rows);
            float[] upgrad = MatrixSamples.Aggregate("upgrad", rows, upgradOptions);

            double norm = MatrixSamples.Norm(pcgrad);
            for (int k = 0; k < length; k++)
            {
                Assert.True(Math.Abs(pcgrad[k] - upgrad[k]) <= 4e-4 * norm, $"Coordinate {k}: {pcgrad[k]} vs {upgrad[k]}.");
            }
        }
    }

    [Fact]
    public void Create_UnknownOption_ThrowsNamingMethodAndOption()
    {
        var ex = Assert.Throws<MultitaskConfigurationException>(
            () => GradientAggregators.Create("cagrad", 2, new Dictionary<string, object?> { ["alpha"] = 0.5 }));

        Assert.Contains("'cagrad'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rescale", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownMethod_ThrowsListingKnownMethods()
    {
        var ex = Assert.Throws<MultitaskConfigurationException>(() => GradientAggregators.Create("pcgard", 2));

        Assert.Contains("pcgrad", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NegativeCAGradRadius_Throws()
    {
        Assert.Throws<MultitaskConfigurationException>(
            () => GradientAggregators.Create("cagrad", 2, new Dictionary<string, object?> { ["c"] = -1.0 }));
    }

    [Fact]
    public void Create_OptionsFromStrings_AreConverted()
    {
        var aggregator = GradientAggregators.Create(
            "alignedmtl", 3, new Dictionary<string, object?> { ["scale_mode"] = "median", ["preference_weights"] = "1, 2, 3" });

        Assert.Equal("alignedmtl", aggregator.Name);
    }
}
