namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = ln(1 + eˣ)</c>: <c>dX = dY·σ(X)</c>.</summary>
internal sealed class SoftplusGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var slope = c.Shared("slope", () => c.EmitForward("Sigmoid", [c.Input(0)]));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }
}
