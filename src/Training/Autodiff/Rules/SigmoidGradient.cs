namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = σ(X)</c>: <c>dX = dY·Y·(1 − Y)</c>, recomputed from Y so that X need not be kept.</summary>
internal sealed class SigmoidGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        var slope = c.Shared("slope", () => c.EmitForward("Mul", [y, c.EmitForward("Sub", [c.ScalarLike(1, y), y])]));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }
}
