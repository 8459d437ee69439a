using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Optimization;

namespace MtlOnnx.Training.Tests.Multitask;

public sealed class TaskDecoupledAdamTests
{
    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.01)]
    [InlineData(true, 0.01)]
    public void Step_WithoutConflict_IsPlainAdamOnTheUpdate(bool decoupled, double weightDecay)
    {
        const int P = 7;
        var random = new Random(1);
        var options = new TaskDecoupledAdamOptions { WeightDecay = weightDecay, DecoupledWeightDecay = decoupled };
        var optimizer = new TaskDecoupledAdam(P, 2, options);
        float[] parameters = Enumerable.Range(0, P).Select(_ => (float)random.NextDouble()).ToArray();
        double[] expected = parameters.Select(p => (double)p).ToArray();
        var m = new double[P];
        var v = new double[P];
        const double Lr = 0.01;
        for (int step = 1; step <= 5; step++)
        {
            float[][] rows = MatrixSamples.Create(2, P, 2, seed: step);
            float[] update = rows[0].Zip(rows[1], (a, b) => a + b).ToArray();

            optimizer.Step(parameters, update, new GradientMatrix(rows), conflict: 0, (float)Lr);

            // Reference: torch.optim.Adam / AdamW, written out in double precision.
            for (int k = 0; k < P; k++)
            {
                double g = update[k];
                if (decoupled)
                {
                    expected[k] *= 1 - (Lr * weightDecay);
                }
                else
                {
                    g += weightDecay * expected[k];
                }

                m[k] = (0.9 * m[k]) + (0.1 * g);
                v[k] = (0.999 * v[k]) + (0.001 * g * g);
                double mHat = m[k] / (1 - Math.Pow(0.9, step));
                double vHat = v[k] / (1 - Math.Pow(0.999, step));
                expected[k] -= Lr * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
        }

        for (int k = 0; k < P; k++)
        {
            Assert.Equal(expected[k], parameters[k], 1e-5);
        }
    }

    [Fact]
    public void Step_SingleTaskUpdateEqualToItsGradient_IgnoresTheConflictMeasure()
    {
        float[][] rows = [[0.5f, -1f, 2f]];
        var calm = new TaskDecoupledAdam(3, 1);
        var conflicted = new TaskDecoupledAdam(3, 1);
        float[] a = [1f, 1f, 1f];
        float[] b = [1f, 1f, 1f];

        calm.Step(a, rows[0], new GradientMatrix(rows), 0, 0.1f);
        conflicted.Step(b, rows[0], new GradientMatrix(rows), 1, 0.1f);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Step_FirstStepWithFullConflict_AddsTheSignsOfTheResiduals()
    {
        // At step 1 every Adam direction is g / (|g| + ε) ≈ sign(g), so the step is
        // sign(u) + (γ / T) Σ_t sign(r_t) coordinate by coordinate.
        float[][] rows = [[1f, 2f, 0f], [1f, -1f, 3f]];
        float[] update = [1f, 0f, 0f];
        var optimizer = new TaskDecoupledAdam(3, 2);
        float[] parameters = [0f, 0f, 0f];

        optimizer.Step(parameters, update, new GradientMatrix(rows), conflict: 1, learningRate: 1);

        // Residuals against u = e1: r_1 = (0, 2, 0), r_2 = (0, −1, 3).
        Assert.Equal(-1.0, parameters[0], 5);
        Assert.Equal(0.0, parameters[1], 5);
        Assert.Equal(-0.5, parameters[2], 5);
    }

    [Fact]
    public void Residual_IsOrthogonalToTheUpdate()
    {
        float[][] rows = MatrixSamples.Create(1, 50, 1, seed: 3);
        float[] update = MatrixSamples.Create(1, 50, 1, seed: 4)[0];
        var residual = new float[50];

        TaskDecoupledAdam.Residual(rows[0], update, residual);

        Assert.Equal(0, MatrixSamples.Dot(residual, update), 1e-4 * MatrixSamples.Norm(update) * MatrixSamples.Norm(rows[0]));
    }

    [Fact]
    public void ConflictShare_CountsPairsWithNegativeInnerProducts()
    {
        GramMatrix gram = GramMatrix.FromRows([[1f, 0f], [-1f, 1f], [0f, 1f]]);

        Assert.Equal(1.0 / 3, TaskDecoupledAdam.ConflictShare(gram), 12);
    }
}
