namespace MtlOnnx.Core.Tests.Testing;

/// <summary>
/// Plain loops that compute what the builder's models should output, written independently of ONNX Runtime.
/// Accumulates in double so that only ORT's float rounding separates the two sides.
/// </summary>
internal static class ReferenceMath
{
    /// <summary>x [n, in] times Wᵀ ([out, in]) plus b [out].</summary>
    public static float[] Linear(float[] x, int n, int inputs, float[] w, float[] b, int outputs)
    {
        var y = new float[n * outputs];
        for (var r = 0; r < n; r++)
        {
            for (var o = 0; o < outputs; o++)
            {
                double sum = b[o];
                for (var k = 0; k < inputs; k++)
                {
                    sum += (double)x[(r * inputs) + k] * w[(o * inputs) + k];
                }

                y[(r * outputs) + o] = (float)sum;
            }
        }

        return y;
    }

    public static float[] Relu(float[] x) => x.Select(v => Math.Max(v, 0f)).ToArray();

    /// <summary>2-D convolution, NCHW, square kernel, symmetric zero padding.</summary>
    public static float[] Conv2d(
        float[] x, int n, int c, int h, int w, float[] kernel, float[] bias, int m, int k, int stride, int pad,
        out int outH, out int outW)
    {
        outH = ((h + (2 * pad) - k) / stride) + 1;
        outW = ((w + (2 * pad) - k) / stride) + 1;
        var y = new float[n * m * outH * outW];
        for (var b = 0; b < n; b++)
        {
            for (var o = 0; o < m; o++)
            {
                for (var i = 0; i < outH; i++)
                {
                    for (var j = 0; j < outW; j++)
                    {
                        double sum = bias[o];
                        for (var ch = 0; ch < c; ch++)
                        {
                            for (var di = 0; di < k; di++)
                            {
                                for (var dj = 0; dj < k; dj++)
                                {
                                    var row = (i * stride) + di - pad;
                                    var col = (j * stride) + dj - pad;
                                    if (row < 0 || row >= h || col < 0 || col >= w)
                                    {
                                        continue;
                                    }

                                    sum += (double)x[(((b * c) + ch) * h + row) * w + col]
                                        * kernel[(((o * c) + ch) * k + di) * k + dj];
                                }
                            }
                        }

                        y[(((b * m) + o) * outH + i) * outW + j] = (float)sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>Mean over the spatial positions of each channel: [n, c, h, w] to [n, c].</summary>
    public static float[] GlobalAveragePool(float[] x, int n, int c, int h, int w)
    {
        var y = new float[n * c];
        for (var i = 0; i < n * c; i++)
        {
            double sum = 0;
            for (var p = 0; p < h * w; p++)
            {
                sum += x[(i * h * w) + p];
            }

            y[i] = (float)(sum / (h * w));
        }

        return y;
    }

    public static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= bound,
                $"Element {i}: expected {expected[i]}, got {actual[i]} (tolerance {bound}).");
        }
    }
}
