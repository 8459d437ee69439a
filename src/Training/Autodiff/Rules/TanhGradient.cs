namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = tanh(X)</c>: <c>dX = dY·(1 − Y²)</c>, recomputed from Y so that X need not be kept.</summary>
internal sealed class TanhGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        var slope = c.Shared("slope", () => c.EmitForward("Sub", [c.ScalarLike(1, y), c.EmitForward("Mul", [y, y])]));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }
}
