using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// MaxPool. For non-overlapping windows without padding or dilation (the common 2×2, stride 2 case) the fast
/// form is used: in the forward part, <c>mask = Equal(X, Resize(Y))</c> and the number of maxima per window;
/// in the backward part, <c>dX = mask·Resize(dY / count)</c>, so tied maxima share the gradient evenly and only a
/// boolean mask is kept. Otherwise the gradient is scattered through the node's Indices output with
/// <c>ScatterElements(reduction="add")</c> (opset 16 and later; before that only when windows do not overlap).
/// </summary>
internal sealed class MaxPoolGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var g = WindowGeometry.Read(c);
        if (c.GetInt("storage_order", 0) != 0)
        {
            throw c.NotDefined("column-major storage_order is not supported.");
        }

        if (IsTiling(c, g))
        {
            Tiled(c, g);
        }
        else
        {
            Scattered(c, g);
        }
    }

    private static bool IsTiling(GradientContext c, WindowGeometry g) =>
        g.HasStaticSizes &&
        g.Pads.All(p => p == 0) &&
        g.Dilations.All(d => d == 1) &&
        g.Kernel.SequenceEqual(g.Strides) &&
        Enumerable.Range(0, g.Count).All(i => g.Output[i]!.Value * g.Kernel[i] <= g.Input[i]!.Value) &&
        c.RankOf(c.Input(0)) is { } rank && rank == g.Count + 2;

    private static GraphValue Upsample(GradientContext c, GraphValue value, WindowGeometry g, bool forward)
    {
        var scales = c.Constant(TensorProtos.FromFloats(
            string.Empty, [g.Count + 2], [1f, 1f, .. g.Kernel.Select(k => (float)k)]));
        AttributeProto[] attributes =
        [
            Attr.String("mode", "nearest"),
            Attr.String("coordinate_transformation_mode", "asymmetric"),
            Attr.String("nearest_mode", "floor"),
        ];
        return forward
            ? c.EmitForward("Resize", [value, GraphValue.None, scales], attributes)
            : c.Emit("Resize", [value, GraphValue.None, scales], attributes);
    }

    /// <summary>Pads the end of the spatial axes where windows do not reach the input's edge.</summary>
    private static GraphValue PadRemainder(GradientContext c, WindowGeometry g, GraphValue value, bool forward, double fill)
    {
        var rank = g.Count + 2;
        var pads = new long[2 * rank];
        for (var i = 0; i < g.Count; i++)
        {
            pads[rank + 2 + i] = g.Input[i]!.Value - (g.Output[i]!.Value * g.Kernel[i]);
        }

        if (pads.All(p => p == 0))
        {
            return value;
        }

        GraphValue[] inputs = [value, c.Int64s(pads), c.ScalarLike(fill, value)];
        return forward ? c.EmitForward("Pad", inputs) : c.Emit("Pad", inputs);
    }

    private static void Tiled(GradientContext c, WindowGeometry g)
    {
        var x = c.Input(0);
        var y = c.Output(0);
        var mask = c.Shared("mask", () =>
            c.EmitForward("Equal", [x, PadRemainder(c, g, Upsample(c, y, g, forward: true), true, double.NaN)]));

        var count = c.Shared("count", () =>
        {
            // The number of maxima per window: an average of the 0/1 mask times the window size. Only the
            // boolean mask (a quarter of the size of a float one) stays alive until the backward pass.
            var numbers = c.EmitForward("Cast", [mask], Attr.Int("to", (long)c.ElementTypeOf(x)));
            var average = c.EmitForward(
                "AveragePool", [numbers], Attr.Ints("kernel_shape", g.Kernel), Attr.Ints("strides", g.Strides));
            return c.EmitForward("Mul", [average, c.ScalarLike(g.Kernel.Aggregate(1L, (p, k) => p * k), x)]);
        });
        var share = c.Div(c.OutputGradient(0), count);
        var spread = PadRemainder(c, g, Upsample(c, share, g, forward: false), false, 0);
        c.SetInputGradient(0, c.Mul(spread, c.MaskLike(mask, x)));
    }

    private static void Scattered(GradientContext c, WindowGeometry g)
    {
        var overlapping = Enumerable.Range(0, g.Count).Any(i => g.Span(i) > g.Strides[i]);
        if (overlapping && c.Opset < 16)
        {
            throw c.NotDefined(
                "its windows overlap, which needs ScatterElements with reduction (opset 16 and later).");
        }

        var x = c.Input(0);
        var indices = c.RequestForwardOutput(1, "indices");
        var flatIndices = c.Emit("Reshape", [indices, c.Int64s(-1)]);
        var flatGradient = c.Emit("Reshape", [c.OutputGradient(0), c.Int64s(-1)]);
        var size = c.StaticShapeOf(x) is { } s
            ? c.Int64s(s.Aggregate(1L, (p, d) => p * d))
            : c.Shared("size", () => c.EmitForward("Reshape", [c.EmitForward("Size", [x]), c.Int64s(1)]));
        var zero = TensorProtos.FromFloats(string.Empty, [1], [0f]);
        var zeros = c.Emit("ConstantOfShape", [size], Attr.Tensor("value", zero));
        AttributeProto[] attributes = overlapping
            ? [Attr.Int("axis", 0), Attr.String("reduction", "add")]
            : [Attr.Int("axis", 0)];
        var scattered = c.Emit("ScatterElements", [zeros, flatIndices, flatGradient], attributes);
        c.SetInputGradient(0, c.ReshapeLike(scattered, x));
    }
}
