namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = |X|</c>: <c>dX = dY·sign(X)</c> (zero at zero, as PyTorch).</summary>
internal sealed class AbsGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var sign = c.Shared("sign", () => c.EmitForward("Sign", [c.Input(0)]));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), sign));
    }
}
