namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = X</c>: <c>dX = dY</c>, with no node emitted.</summary>
internal sealed class IdentityGradient : IGradientRule
{
    public void Backward(GradientContext c) => c.SetInputGradient(0, c.OutputGradient(0));
}
