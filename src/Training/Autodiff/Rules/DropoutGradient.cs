using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// Dropout: in training mode <c>dX = dY·mask / (1 − ratio)</c> through the node's mask output (requested from
/// the forward node, which also keeps older runtimes from deleting it); in inference mode <c>dX = dY</c>. When
/// the mode is a run-time input, the scale is chosen with it.
/// </summary>
internal sealed class DropoutGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        var training = c.Input(2);
        var flag = training.IsNone ? 0 : c.ConstantInt64s(training) is [var f] ? f : (long?)null;
        if (flag == 0)
        {
            c.SetInputGradient(0, dy);
            return;
        }

        var x = c.Input(0);
        var type = c.ElementTypeOf(x);
        var ratio = c.Input(1);
        GraphValue scale;
        if (ratio.IsNone || c.ConstantDoubles(ratio) is [_])
        {
            var r = ratio.IsNone ? 0.5 : c.ConstantDoubles(ratio)![0];
            scale = c.Scalar(r >= 1 ? 0 : 1 / (1 - r), type);
        }
        else
        {
            scale = c.Shared("scale", () => c.EmitForward(
                "Div", [c.Scalar(1, type), c.EmitForward("Sub", [c.Scalar(1, type), c.Cast(ratio, type)])]));
        }

        if (flag is null)
        {
            scale = c.Shared("mode_scale", () => c.EmitForward("Where", [training, scale, c.Scalar(1, type)]));
        }

        var mask = c.RequestForwardOutput(1, "mask");
        c.SetInputGradient(0, c.Mul(c.Mul(dy, c.MaskLike(mask, x)), scale));
    }
}
