namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = X</c> for X &gt; 0, <c>αX</c> otherwise: <c>dX = dY·(α + (1 − α)·[X &gt; 0])</c>. For α ≥ 0 the sign is
/// read from Y, so X need not be kept.
/// </summary>
internal sealed class LeakyReluGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var alpha = c.GetFloat("alpha", 0.01f);
        var source = alpha >= 0 ? c.Output(0) : c.Input(0);
        var mask = c.Shared("mask", () => c.EmitForward("Greater", [source, c.ScalarLike(0, source)]));
        var slope = c.Add(c.Scale(c.MaskLike(mask, source), 1 - alpha), c.ScalarLike(alpha, source));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }
}
