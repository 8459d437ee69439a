namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// Reshape, Flatten and other layout-only operators: the gradient is <c>dY</c> reshaped to the input's shape
/// (a constant target where at most one dimension is symbolic).
/// </summary>
internal sealed class ReshapeGradient : IGradientRule
{
    public void Backward(GradientContext c) => c.SetInputGradient(0, c.ReshapeLike(c.OutputGradient(0), c.Input(0)));
}
