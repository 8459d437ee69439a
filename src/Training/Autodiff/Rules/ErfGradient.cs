namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = erf(X)</c>: <c>dX = dY·(2/√π)·e^(−X²)</c>.</summary>
internal sealed class ErfGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var slope = c.Shared("slope", () =>
        {
            var gauss = c.EmitForward("Exp", [c.EmitForward("Neg", [c.EmitForward("Mul", [x, x])])]);
            return c.EmitForward("Mul", [gauss, c.ScalarLike(2 / Math.Sqrt(Math.PI), x)]);
        });
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }
}
