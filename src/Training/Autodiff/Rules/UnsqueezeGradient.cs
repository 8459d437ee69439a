namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Unsqueeze</c>: the gradient is <c>Squeeze(dY)</c> at the inserted axes.</summary>
internal sealed class UnsqueezeGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var axes = c.ReadAxes(1, 13);
        if (axes is { Length: > 0 })
        {
            c.SetInputGradient(0, c.Squeeze(c.OutputGradient(0), axes));
        }
        else
        {
            c.SetInputGradient(0, c.ReshapeLike(c.OutputGradient(0), c.Input(0)));
        }
    }
}
