using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Pad</c> in constant mode: the gradient is <c>dY</c> cropped back by padding with the negated pads; the pad
/// value gets the sum of the gradient over the padded border.
/// </summary>
internal sealed class PadGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var mode = c.GetString("mode", "constant");
        if (mode != "constant")
        {
            throw c.NotDefined($"Pad mode '{mode}' has no gradient rule; only constant padding is supported.");
        }

        var dy = c.OutputGradient(0);
        var pads = c.Input(1);
        var negated = c.ConstantInt64s(pads) is { } fixedPads
            ? c.Int64s(fixedPads.Select(p => -p).ToArray())
            : c.Emit("Neg", [pads]);
        GraphValue[] inputs = c.HasInput(3) ? [dy, negated, GraphValue.None, c.Input(3)] : [dy, negated];
        var dx = c.Emit("Pad", inputs);
        c.SetInputGradient(0, dx);
        if (c.NeedsGradient(2))
        {
            var border = c.Sub(c.Emit("ReduceSum", [dy], Attr.Int("keepdims", 0)),
                c.Emit("ReduceSum", [dx], Attr.Int("keepdims", 0)));
            c.SetInputGradient(2, c.ReshapeLike(border, c.Input(2)));
        }
    }
}
