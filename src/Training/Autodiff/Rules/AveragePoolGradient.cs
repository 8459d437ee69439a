using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// AveragePool: <c>dY</c> divided by each window's element count (a constant computed here from the static
/// geometry, honouring <c>count_include_pad</c> and <c>ceil_mode</c>) and spread back with a depthwise
/// ConvTranspose whose kernel is all ones.
/// </summary>
internal sealed class AveragePoolGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var g = WindowGeometry.Read(c);
        var shape = c.ShapeOf(x)!;
        if (!g.HasStaticSizes || shape[1].Value is not { } channels)
        {
            throw c.NotDefined("it needs a fixed channel count and fixed spatial sizes.");
        }

        var includePad = c.GetInt("count_include_pad", 0) != 0;
        var divisors = Divisors(g, includePad);
        var dy = c.OutputGradient(0);
        var type = c.ElementTypeOf(x);
        GraphValue scaled;
        if (divisors.Distinct().Count() == 1)
        {
            scaled = c.Scale(dy, 1.0 / divisors[0]);
        }
        else
        {
            var inverse = divisors.Select(d => 1f / d).ToArray();
            long[] dims = [1, 1, .. g.Output.Select(o => o!.Value)];
            scaled = c.Mul(dy, c.Cast(c.Constant(TensorProtos.FromFloats(string.Empty, dims, inverse)), type));
        }

        var kernelSize = g.Kernel.Aggregate(1L, (p, k) => p * k);
        long[] kernelDims = [channels, 1, .. g.Kernel];
        var ones = c.Cast(c.Constant(TensorProtos.FromFloats(
            string.Empty, kernelDims, Enumerable.Repeat(1f, (int)(channels * kernelSize)).ToArray())), type);

        // Without end padding the transposed convolution spans s·(out − 1) + span − begin; crop or pad to the input.
        var n = g.Count;
        var endPads = new long[n];
        var extra = new long[n];
        for (var i = 0; i < n; i++)
        {
            var reach = (g.Strides[i] * (g.Output[i]!.Value - 1)) + g.Span(i) - g.Pads[i];
            endPads[i] = Math.Max(0, reach - g.Input[i]!.Value);
            extra[i] = Math.Max(0, g.Input[i]!.Value - reach);
        }

        var dx = c.Emit(
            "ConvTranspose",
            [scaled, ones],
            Attr.Ints("strides", g.Strides),
            Attr.Ints("dilations", g.Dilations),
            Attr.Ints("pads", [.. g.Pads.Take(n), .. endPads]),
            Attr.Ints("kernel_shape", g.Kernel),
            Attr.Int("group", channels));
        if (extra.Any(e => e > 0))
        {
            dx = c.Emit("Pad", [dx, c.Int64s([.. new long[n + 2], 0, 0, .. extra])]);
        }

        c.SetInputGradient(0, dx);
    }

    /// <summary>Counts the elements each output window averages, in row-major output order.</summary>
    private static float[] Divisors(WindowGeometry g, bool includePad)
    {
        var n = g.Count;
        var perAxis = new long[n][];
        for (var i = 0; i < n; i++)
        {
            var size = g.Input[i]!.Value;
            var output = g.Output[i]!.Value;
            perAxis[i] = new long[output];
            for (var o = 0; o < output; o++)
            {
                long count = 0;
                for (var k = 0; k < g.Kernel[i]; k++)
                {
                    var position = (o * g.Strides[i]) + (k * g.Dilations[i]) - g.Pads[i];
                    var inside = includePad
                        ? position >= -g.Pads[i] && position < size + g.Pads[i + n]
                        : position >= 0 && position < size;
                    count += inside ? 1 : 0;
                }

                perAxis[i][o] = Math.Max(1, count);
            }
        }

        var total = perAxis.Aggregate(1L, (p, a) => p * a.Length);
        var result = new float[total];
        for (var flat = 0L; flat < total; flat++)
        {
            var rest = flat;
            long product = 1;
            for (var i = n - 1; i >= 0; i--)
            {
                product *= perAxis[i][rest % perAxis[i].Length];
                rest /= perAxis[i].Length;
            }

            result[flat] = product;
        }

        return result;
    }
}
