namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = 1 / X</c>: <c>dX = −dY·Y²</c>, from Y.</summary>
internal sealed class ReciprocalGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        c.SetInputGradient(0, c.Neg(c.Mul(c.OutputGradient(0), c.Mul(y, y))));
    }
}
