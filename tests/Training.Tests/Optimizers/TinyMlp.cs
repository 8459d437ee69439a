using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Tests.Optimizers;

/// <summary>
/// A two-layer perceptron (4 → 6 → 3, ReLU, mean squared error) with its gradient written out by hand in double
/// precision, so that optimizer tests need no autodiff. Parameters: w1 [6, 4], b1 [6], w2 [3, 6], b2 [3].
/// </summary>
internal sealed class TinyMlp
{
    public const int Inputs = 4;
    public const int Hidden = 6;
    public const int Outputs = 3;
    public const int Batch = 8;

    public TinyMlp(int seed)
    {
        var random = new Random(seed);
        X = Normal(random, Batch * Inputs, 1.0);
        Y = Normal(random, Batch * Outputs, 1.0);
        Initial = Normal(random, (int)Layout.TotalElementCount, 0.5);
    }

    public static ParameterDescriptor[] Parameters { get; } =
    [
        new("w1", [Hidden, Inputs]),
        new("b1", [Hidden]),
        new("w2", [Outputs, Hidden]),
        new("b2", [Outputs]),
    ];

    public static ParameterLayout Layout { get; } = new(Parameters);

    public float[] X { get; }

    public float[] Y { get; }

    public float[] Initial { get; }

    public void Gradient(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        var w1 = Layout.Slice(parameters, 0);
        var b1 = Layout.Slice(parameters, 1);
        var w2 = Layout.Slice(parameters, 2);
        var b2 = Layout.Slice(parameters, 3);
        var z1 = new double[Batch * Hidden];
        var dPred = new double[Batch * Outputs];
        for (var n = 0; n < Batch; n++)
        {
            for (var j = 0; j < Hidden; j++)
            {
                double sum = b1[j];
                for (var k = 0; k < Inputs; k++)
                {
                    sum += (double)X[(n * Inputs) + k] * w1[(j * Inputs) + k];
                }

                z1[(n * Hidden) + j] = sum;
            }

            for (var o = 0; o < Outputs; o++)
            {
                double sum = b2[o];
                for (var j = 0; j < Hidden; j++)
                {
                    sum += Math.Max(z1[(n * Hidden) + j], 0) * w2[(o * Hidden) + j];
                }

                dPred[(n * Outputs) + o] = 2.0 * (sum - Y[(n * Outputs) + o]) / (Batch * Outputs);
            }
        }

        var gw1 = new double[Hidden * Inputs];
        var gb1 = new double[Hidden];
        var gw2 = new double[Outputs * Hidden];
        var gb2 = new double[Outputs];
        for (var n = 0; n < Batch; n++)
        {
            for (var o = 0; o < Outputs; o++)
            {
                var d = dPred[(n * Outputs) + o];
                gb2[o] += d;
                for (var j = 0; j < Hidden; j++)
                {
                    gw2[(o * Hidden) + j] += d * Math.Max(z1[(n * Hidden) + j], 0);
                }
            }

            for (var j = 0; j < Hidden; j++)
            {
                if (z1[(n * Hidden) + j] <= 0)
                {
                    continue;
                }

                double dh = 0;
                for (var o = 0; o < Outputs; o++)
                {
                    dh += dPred[(n * Outputs) + o] * w2[(o * Hidden) + j];
                }

                gb1[j] += dh;
                for (var k = 0; k < Inputs; k++)
                {
                    gw1[(j * Inputs) + k] += dh * X[(n * Inputs) + k];
                }
            }
        }

        Write(gw1, Layout.Slice(gradient, 0));
        Write(gb1, Layout.Slice(gradient, 1));
        Write(gw2, Layout.Slice(gradient, 2));
        Write(gb2, Layout.Slice(gradient, 3));
    }

    private static void Write(double[] source, Span<float> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    private static float[] Normal(Random random, int count, double scale)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        return values;
    }
}
