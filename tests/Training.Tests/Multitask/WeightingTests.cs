using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Weighting;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class WeightingTests
{
    [Theory]
    [InlineData(0.5, 2.0)]
    [InlineData(1.5, 0.3)]
    public void Uncertainty_TwoTaskRegressionWithKnownNoise_LearnsTheNoiseVariances(double sigma1, double sigma2)
    {
        // Shared direction θ and per-task scales h_i: ŷ_i = h_i θᵀx; targets y_i = h*_i θ*ᵀx + N(0, σ_i²).
        // Each loss is a mean squared error, whose floor is σ_i², and UW's optimum is e^{s_i} = L_i.
        const int Dimension = 4;
        var random = new Random(42);
        double[] trueTheta = [1.0, -0.5, 0.25, 2.0];
        double[] trueScale = [1.0, -2.0];
        double[] sigma = [sigma1, sigma2];
        var theta = new double[Dimension];
        double[] scale = [0.5, 0.5];
        for (int d = 0; d < Dimension; d++)
        {
            theta[d] = 0.1 * MatrixSamples.Gaussian(random);
        }

        var weighting = new UncertaintyWeighting(2, new UncertaintyWeightingOptions { LearningRate = 0.01 });
        var weights = new float[2];
        var losses = new float[2];
        const int Batch = 128;
        for (int step = 0; step < 4000; step++)
        {
            var gradTheta = new double[Dimension];
            var gradScale = new double[2];
            Array.Clear(losses);
            weighting.GetWeights(losses, weights);
            for (int b = 0; b < Batch; b++)
            {
                var x = new double[Dimension];
                double trueProjection = 0;
                double projection = 0;
                for (int d = 0; d < Dimension; d++)
                {
                    x[d] = MatrixSamples.Gaussian(random);
                    trueProjection += trueTheta[d] * x[d];
                    projection += theta[d] * x[d];
                }

                for (int task = 0; task < 2; task++)
                {
                    double target = (trueScale[task] * trueProjection) + (sigma[task] * MatrixSamples.Gaussian(random));
                    double residual = (scale[task] * projection) - target;
                    losses[task] += (float)(residual * residual / Batch);
                    double factor = weights[task] * 2 * residual / Batch;
                    gradScale[task] += factor * projection;
                    for (int d = 0; d < Dimension; d++)
                    {
                        gradTheta[d] += factor * scale[task] * x[d];
                    }
                }
            }

            // A decaying step keeps SGD's own excess loss (proportional to step × weight) small at the end.
            double learningRate = 0.02 / (1 + (step / 500.0));
            for (int d = 0; d < Dimension; d++)
            {
                theta[d] -= learningRate * gradTheta[d];
            }

            for (int task = 0; task < 2; task++)
            {
                scale[task] -= learningRate * gradScale[task];
            }

            weighting.CompleteStep(losses, []);
        }

        for (int task = 0; task < 2; task++)
        {
            double learnedVariance = Math.Exp(weighting.LogVariances[task]);
            Assert.InRange(learnedVariance, 0.85 * sigma[task] * sigma[task], 1.15 * sigma[task] * sigma[task]);
        }

        Assert.Equal(sigma1 > sigma2, weighting.LogVariances[0] > weighting.LogVariances[1]);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(0.3)]
    [InlineData(2.0)]
    public void Uncertainty_Gradient_MatchesFiniteDifferencesOfTheObjective(double logVariance)
    {
        float[] losses = [0.5f, 2f, 7f];
        UncertaintyWeighting At(double s) => new(3, new UncertaintyWeightingOptions { InitialLogVariance = s });
        var gradient = new double[3];

        At(logVariance).Gradient(losses, gradient);

        // Moving every s_i together by ±h changes the objective by the sum of the partial derivatives.
        const double H = 1e-5;
        double numeric = (At(logVariance + H).Objective(losses) - At(logVariance - H).Objective(losses)) / (2 * H);
        Assert.Equal(numeric, gradient.Sum(), 6);
        Assert.Equal(0.5 - (0.5 * 7 * Math.Exp(-logVariance)), gradient[2], 12);
    }

    [Fact]
    public void GeometricLossStrategy_Weights_AreTheGradientOfTheGeometricMean()
    {
        var gls = new GeometricLossStrategy(3);
        float[] losses = [0.5f, 2f, 7f];
        var weights = new float[3];

        gls.GetWeights(losses, weights);

        for (int i = 0; i < 3; i++)
        {
            const float H = 1e-3f;
            float[] up = (float[])losses.Clone();
            float[] down = (float[])losses.Clone();
            up[i] += H;
            down[i] -= H;
            double derivative = (gls.Objective(up) - gls.Objective(down)) / (up[i] - down[i]);
            Assert.Equal(derivative, weights[i], 3e-4);
        }
    }

    [Fact]
    public void RandomLossWeighting_Draws_ArePositiveSumToOneAndAverageToUniform()
    {
        var rlw = new RandomLossWeighting(4, new RandomLossWeightingOptions { Seed = 3 });
        var weights = new float[4];
        var mean = new double[4];
        const int Draws = 20000;
        for (int n = 0; n < Draws; n++)
        {
            rlw.GetWeights([], weights);
            Assert.All(weights, w => Assert.True(w > 0));
            Assert.Equal(1.0, weights.Sum(), 5);
            for (int i = 0; i < 4; i++)
            {
                mean[i] += weights[i] / Draws;
            }
        }

        Assert.All(mean, m => Assert.InRange(m, 0.24, 0.26));
    }

    [Fact]
    public void RandomLossWeighting_Reset_ReplaysTheSameDraws()
    {
        var rlw = new RandomLossWeighting(3, new RandomLossWeightingOptions { Seed = 9 });
        var first = new float[3];
        var again = new float[3];
        rlw.GetWeights([], first);

        rlw.Reset();
        rlw.GetWeights([], again);

        Assert.Equal(first, again);
    }

    [Fact]
    public void GradNorm_StaticNorms_ConvergesToEqualWeightedNorms()
    {
        // Equal training rates: the target is the mean weighted norm, so W_i |g_i| become equal: W ∝ 1/|g_i|.
        float[][] rows = [[1f, 0f], [0f, 4f]];
        IMultitaskMethod method = MultitaskMethods.Create(
            "gradnorm", 2, new Dictionary<string, object?> { ["learning_rate"] = 0.02 });
        var update = new float[2];
        var heads = new float[2];
        float[] losses = [1f, 1f];
        for (int step = 0; step < 3000; step++)
        {
            method.Aggregate(new GradientMatrix(rows), losses, update, null);
        }

        method.GetHeadWeights(losses, heads);
        Assert.Equal(1.6, heads[0], 0.02);
        Assert.Equal(0.4, heads[1], 0.02);
        Assert.Equal(2.0, heads.Sum(), 5);
    }

    [Fact]
    public void DynamicWeightAverage_FirstTwoEpochs_UseUnitWeights()
    {
        var dwa = new DynamicWeightAverage(2);
        var weights = new float[2];
        dwa.CompleteStep([1f, 2f], []);
        dwa.CompleteEpoch();

        dwa.GetWeights([], weights);

        Assert.Equal(new[] { 1f, 1f }, weights);
    }

    [Fact]
    public void Famo_FasterImprovingTask_LosesWeight()
    {
        var famo = new Famo(2, new FamoOptions { WLr = 0.1, WGamma = 0 });
        var weights = new float[2];
        for (int step = 0; step < 50; step++)
        {
            famo.GetWeights([1f, 1f], weights);
            famo.CompleteStep([1f, 1f], [0.5f, 0.95f]);
        }

        famo.GetWeights([1f, 1f], weights);

        Assert.True(weights[1] > weights[0], $"Weights {weights[0]} and {weights[1]}.");
        Assert.Equal(1.0, weights.Sum(), 5);
    }
}
