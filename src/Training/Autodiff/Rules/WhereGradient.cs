using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = cond ? A : B</c>: <c>dA = dY·[cond]</c>, <c>dB = dY·[¬cond]</c>, as <c>Mul(Cast(mask))</c> (faster than
/// Where on the CPU provider), summed back over broadcast axes.
/// </summary>
internal sealed class WhereGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var condition = c.Input(0);
        var dy = c.OutputGradient(0);
        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, c.ReduceToShape(c.Mul(dy, c.MaskLike(condition, dy)), c.Input(1)));
        }

        if (c.NeedsGradient(2))
        {
            var otherwise = c.Shared("not", () => c.EmitForward("Not", [condition]));
            c.SetInputGradient(2, c.ReduceToShape(c.Mul(dy, c.MaskLike(otherwise, dy)), c.Input(2)));
        }
    }
}
