namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = −X</c>: <c>dX = −dY</c>.</summary>
internal sealed class NegGradient : IGradientRule
{
    public void Backward(GradientContext c) => c.SetInputGradient(0, c.Neg(c.OutputGradient(0)));
}
