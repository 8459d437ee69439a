namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Expand</c>: the gradient is summed over the broadcast axes.</summary>
internal sealed class ExpandGradient : IGradientRule
{
    public void Backward(GradientContext c) => c.SetInputGradient(0, c.ReduceToShape(c.OutputGradient(0), c.Input(0)));
}
