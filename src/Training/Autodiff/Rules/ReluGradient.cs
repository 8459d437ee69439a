namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = max(X, 0)</c>: <c>dX = dY·[Y &gt; 0]</c>. The mask is taken from Y and computed in the forward part, so
/// X need not be kept, and applied with <c>Mul(Cast(mask))</c>, which the CPU provider runs much faster than Where.
/// </summary>
internal sealed class ReluGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        var mask = c.Shared("mask", () => c.EmitForward("Greater", [y, c.ScalarLike(0, y)]));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), c.MaskLike(mask, y)));
    }
}
