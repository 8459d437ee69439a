using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = clamp(X, min, max)</c>: <c>dX = dY·[min ≤ X ≤ max]</c> (the bounds included, as PyTorch); the bounds
/// get the gradient of the elements clipped to them.
/// </summary>
internal sealed class ClipGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var min = c.Input(1);
        var max = c.Input(2);
        var dy = c.OutputGradient(0);
        if (c.NeedsGradient(0))
        {
            var mask = c.Shared("mask", () =>
            {
                GraphValue? inside = null;
                if (!min.IsNone)
                {
                    inside = c.EmitForward("GreaterOrEqual", [x, min]);
                }

                if (!max.IsNone)
                {
                    var below = c.EmitForward("LessOrEqual", [x, max]);
                    inside = inside is { } i ? c.EmitForward("And", [i, below]) : below;
                }

                return inside ?? GraphValue.None;
            });
            c.SetInputGradient(0, mask.IsNone ? dy : c.Mul(dy, c.MaskLike(mask, x)));
        }

        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, c.ReduceToShape(c.Mul(dy, c.MaskLike(c.Emit("Less", [x, min]), x)), min));
        }

        if (c.NeedsGradient(2))
        {
            c.SetInputGradient(2, c.ReduceToShape(c.Mul(dy, c.MaskLike(c.Emit("Greater", [x, max]), x)), max));
        }
    }
}
