using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class SolverTests
{
    [Theory]
    [InlineData(5, 7)]
    [InlineData(9, 37)]
    [InlineData(2, 14)]
    [InlineData(32, 114)]
    [InlineData(50, 100)]
    [InlineData(20, 10)]
    public void Mgda_RandomMatrices_SatisfiesKktConditions(int tasks, int length)
    {
        float[][] rows = MatrixSamples.Create(tasks, length, Math.Min(tasks, length), seed: tasks * length);
        GramMatrix gram = new GradientMatrix(rows).ComputeGram();
        var weights = new double[tasks];

        new MgdaAggregator("mgda", tasks).ComputeWeights(gram, [], weights);

        // Primal feasibility, then stationarity: (G w)_i ≥ wᵀGw for every task, with equality where w_i > 0.
        double scale = gram.Trace / tasks;
        Assert.All(weights, w => Assert.True(w >= 0, $"Weight {w} is negative."));
        Assert.Equal(1.0, weights.Sum(), 12);
        double objective = gram.QuadraticForm(weights);
        for (int i = 0; i < tasks; i++)
        {
            double slack = gram.RowDot(i, weights) - objective;
            Assert.True(slack >= -1e-9 * scale, $"Task {i}: dual infeasibility {slack}.");
            if (weights[i] > 1e-9)
            {
                Assert.True(Math.Abs(slack) <= 1e-9 * scale, $"Task {i}: complementary slackness violated by {slack}.");
            }
        }
    }

    [Theory]
    [InlineData(5, 7)]
    [InlineData(9, 37)]
    [InlineData(32, 114)]
    public void Mgda_FrankWolfe_ApproachesTheActiveSetSolution(int tasks, int length)
    {
        float[][] rows = MatrixSamples.Create(tasks, length, tasks, seed: 7 + tasks);
        GramMatrix gram = new GradientMatrix(rows).ComputeGram();
        var exact = new double[tasks];
        var approximate = new double[tasks];
        new MgdaAggregator("mgda", tasks).ComputeWeights(gram, [], exact);
        var options = new MgdaOptions { Solver = MinNormSolverKind.FrankWolfe, MaxIter = 20000, StopCriterion = 1e-9 };

        new MgdaAggregator("mgda", tasks, options).ComputeWeights(gram, [], approximate);

        // Frank-Wolfe's error falls like 1/k in absolute terms: compare the objective, relative to the Gram scale.
        double best = gram.QuadraticForm(exact);
        double scale = gram.Trace / tasks;
        Assert.InRange(gram.QuadraticForm(approximate), best - (1e-12 * scale), best + (1e-3 * scale));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(8, 8)]
    [InlineData(8, 3)]
    [InlineData(40, 40)]
    public void SymmetricEigen_RandomGram_ReconstructsMatrixWithOrthonormalVectors(int tasks, int rank)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 64, rank, seed: tasks + rank)).ComputeGram();
        double[,] a = gram.ToArray();

        SymmetricEigen eigen = SymmetricEigen.Compute(a);

        double norm = Math.Sqrt(gram.Values.ToArray().Sum(v => v * v));
        for (int i = 0; i < tasks; i++)
        {
            for (int j = 0; j < tasks; j++)
            {
                double reconstructed = 0;
                double inner = 0;
                for (int k = 0; k < tasks; k++)
                {
                    reconstructed += eigen.Vectors[i, k] * eigen.Values[k] * eigen.Vectors[j, k];
                    inner += eigen.Vectors[k, i] * eigen.Vectors[k, j];
                }

                Assert.Equal(a[i, j], reconstructed, 1e-12 * norm);
                Assert.Equal(i == j ? 1 : 0, inner, 1e-12);
            }
        }

        for (int k = 1; k < tasks; k++)
        {
            Assert.True(eigen.Values[k] >= eigen.Values[k - 1]);
        }
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(6, 1)]
    [InlineData(15, 2)]
    [InlineData(40, 3)]
    public void LowerBoundQp_RandomProblems_SatisfiesKktConditions(int tasks, int seed)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 3 * tasks, tasks, seed)).ComputeGram();
        double[,] h = gram.ToArray(1 / gram.Trace);
        for (int i = 0; i < tasks; i++)
        {
            h[i, i] += 1e-4;
        }

        var random = new Random(seed);
        double[] lower = Enumerable.Range(0, tasks).Select(_ => random.NextDouble()).ToArray();

        double[] v = LowerBoundQpSolver.Solve(h, lower, out _);

        // Minimizing vᵀHv over v ≥ u: multipliers Hv ≥ 0, and (Hv)_i = 0 wherever v_i > u_i.
        for (int i = 0; i < tasks; i++)
        {
            double multiplier = SimplexQpSolver.RowDot(h, i, v);
            Assert.True(v[i] >= lower[i] - 1e-12);
            Assert.True(multiplier >= -1e-10, $"Multiplier {i} is {multiplier}.");
            if (v[i] > lower[i] + 1e-9)
            {
                Assert.True(Math.Abs(multiplier) <= 1e-10, $"Index {i} is free but its multiplier is {multiplier}.");
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(20)]
    public void Nash_FullRankGradients_SatisfiesBargainingCondition(int tasks)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 4 * tasks, tasks, seed: tasks)).ComputeGram();
        var options = new NashMtlOptions { NormalizeGram = false, MaxNorm = 0 };
        var alpha = new double[tasks];

        new NashMtlAggregator(tasks, options).ComputeWeights(gram, [], alpha);

        for (int i = 0; i < tasks; i++)
        {
            Assert.True(alpha[i] > 0);
            Assert.Equal(1.0, gram.RowDot(i, alpha) * alpha[i], 1e-8);
        }
    }

    [Theory]
    [InlineData(2, 0.4)]
    [InlineData(5, 0.4)]
    [InlineData(5, 1.5)]
    [InlineData(12, 0.8)]
    public void CAGrad_RandomMatrices_AttainsTheDualValueOnTheBallBoundary(int tasks, double c)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 30, tasks, seed: 3 * tasks)).ComputeGram();
        var weights = new double[tasks];

        new CAGradAggregator(tasks, new CAGradOptions { C = c, Rescale = 0 }).ComputeWeights(gram, [], weights);

        // Strong duality: the worst task improvement of d equals min_w F(w), and d lies on the ball |d − g0| = c|g0|.
        double[] mean = Enumerable.Repeat(1.0 / tasks, tasks).ToArray();
        double g0Norm = Math.Sqrt(gram.QuadraticForm(mean));
        double[] offset = weights.Select((w, i) => w - mean[i]).ToArray();
        Assert.Equal(c * g0Norm, Math.Sqrt(gram.QuadraticForm(offset)), 1e-6 * g0Norm);
        double worst = Enumerable.Range(0, tasks).Min(i => gram.RowDot(i, weights));
        double[] w = CagradSolver.Solve(gram.ToArray(), c * g0Norm, out _);
        double dual = CagradSolver.Objective(gram.ToArray(), c * g0Norm, w);
        Assert.Equal(dual, worst, 1e-6 * gram.Trace);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(9)]
    public void ImtlG_FullRankGradients_ProjectsEquallyOnEveryUnitGradient(int tasks)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 20, tasks, seed: 50 + tasks)).ComputeGram();
        var weights = new double[tasks];

        new ImtlGAggregator(tasks).ComputeWeights(gram, [], weights);

        Assert.Equal(1.0, weights.Sum(), 10);
        double first = gram.RowDot(0, weights) / gram.Norm(0);
        for (int i = 1; i < tasks; i++)
        {
            Assert.Equal(first, gram.RowDot(i, weights) / gram.Norm(i), 1e-8 * Math.Abs(first));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(9)]
    public void ConFig_FullRankGradients_HasEqualCosineWithEveryTask(int tasks)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 20, tasks, seed: 70 + tasks)).ComputeGram();
        var weights = new double[tasks];

        new ConFigAggregator(tasks).ComputeWeights(gram, [], weights);

        double norm = Math.Sqrt(gram.QuadraticForm(weights));
        double[] cosines = Enumerable.Range(0, tasks).Select(i => gram.RowDot(i, weights) / (gram.Norm(i) * norm)).ToArray();
        Assert.All(cosines, value => Assert.Equal(cosines[0], value, 1e-8));
        Assert.True(cosines[0] > 0);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(6, 6)]
    [InlineData(6, 3)]
    public void AlignedMtl_AlignedSystem_IsOrthogonalWithEqualNorms(int tasks, int rank)
    {
        GramMatrix gram = new GradientMatrix(MatrixSamples.Create(tasks, 25, rank, seed: 90 + tasks)).ComputeGram();

        // With one-hot preferences the weights are the columns of B, so B G B must be σ times the range projector,
        // whose trace is the rank.
        double[,] b = new double[tasks, tasks];
        for (int k = 0; k < tasks; k++)
        {
            double[] preference = new double[tasks];
            preference[k] = 1;
            var weights = new double[tasks];
            new AlignedMtlAggregator(tasks, new AlignedMtlOptions { PreferenceWeights = preference })
                .ComputeWeights(gram, [], weights);
            for (int i = 0; i < tasks; i++)
            {
                b[i, k] = weights[i];
            }
        }

        double[] eigenvalues = SymmetricEigen.Compute(gram.ToArray()).Values;
        double sigma = eigenvalues[tasks - rank];
        double trace = 0;
        for (int k = 0; k < tasks; k++)
        {
            double[] column = Enumerable.Range(0, tasks).Select(i => b[i, k]).ToArray();
            trace += gram.QuadraticForm(column);
        }

        Assert.Equal(rank * sigma, trace, 1e-6 * sigma * rank);
    }

    [Fact]
    public void GradDrop_SameSignGradients_KeepsEverything()
    {
        float[][] rows = [[1f, -2f, 3f], [0.5f, -1f, 0.25f]];

        float[] update = MatrixSamples.Aggregate("graddrop", rows);

        Assert.Equal(new[] { 1.5f, -3f, 3.25f }, update);
    }

    [Fact]
    public void GradDrop_FullLeak_IsTheSum()
    {
        float[][] rows = MatrixSamples.Create(4, 50, 4, seed: 5);

        float[] update = MatrixSamples.Aggregate("graddrop", rows, new Dictionary<string, object?> { ["leak"] = 1.0 });

        for (int k = 0; k < 50; k++)
        {
            Assert.Equal(rows.Sum(r => (double)r[k]), update[k], 1e-5);
        }
    }

    [Fact]
    public void GradDrop_MixedSigns_KeepsPositivePartAtTheRateOfThePurity()
    {
        // Purity P = ½(1 + (3 − 1)/(3 + 1)) = 0.75: the positive component passes three times in four.
        float[][] rows = [[3f], [-1f]];
        var aggregator = new GradDropAggregator(2);
        var aggregation = new GradientAggregation(aggregator);
        var update = new float[1];
        int positive = 0;
        const int Trials = 4000;
        for (int trial = 0; trial < Trials; trial++)
        {
            aggregation.Aggregate(new GradientMatrix(rows), [], update);
            Assert.True(update[0] is 3f or -1f);
            positive += update[0] > 0 ? 1 : 0;
        }

        Assert.InRange(positive / (double)Trials, 0.72, 0.78);
    }

    [Fact]
    public void CameGrad_AlignedGradients_InjectsKappaTimesTheScalarizedNorm()
    {
        // No conflicts: E = κ|g_LS|, and the rectified direction and g_LS agree well, so the update is about κ|g_LS|.
        float[][] rows = [[1f, 0.2f], [0.8f, 0.3f]];
        var options = new Dictionary<string, object?> { ["nu"] = 0.0 };

        float[] update = MatrixSamples.Aggregate("camegrad", rows, options);

        double lsNorm = Math.Sqrt(Math.Pow(1.8, 2) + Math.Pow(0.5, 2));
        Assert.Equal(1.5 * lsNorm, MatrixSamples.Norm(update), 1e-5);
    }

    [Fact]
    public void CameGrad_ConflictingGradients_RestoresTheEnergyLostToTheConflict()
    {
        float[][] rows = [[1f, 0f], [-0.6f, 0.8f]];
        var options = new Dictionary<string, object?> { ["nu"] = 0.0, ["kappa"] = 1.0 };

        float[] update = MatrixSamples.Aggregate("camegrad", rows, options);

        // Energy without the negative cross terms: |g1|² + |g2|² = 2.
        Assert.Equal(Math.Sqrt(2), MatrixSamples.Norm(update), 1e-5);
        Assert.True(MatrixSamples.Dot(rows[0], update) > 0 && MatrixSamples.Dot(rows[1], update) > 0);
    }
}
