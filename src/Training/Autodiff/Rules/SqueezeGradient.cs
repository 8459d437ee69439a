namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Squeeze</c>: the gradient is <c>Unsqueeze(dY)</c> at the removed axes, or a reshape when they are implicit.
/// </summary>
internal sealed class SqueezeGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var axes = c.ReadAxes(1, 13);
        var rank = c.RankOf(c.Input(0));
        if (axes is { Length: > 0 } && rank is { } r)
        {
            var normalized = axes.Select(a => a < 0 ? a + r : a).Order().ToArray();
            c.SetInputGradient(0, c.Unsqueeze(c.OutputGradient(0), normalized));
        }
        else
        {
            c.SetInputGradient(0, c.ReshapeLike(c.OutputGradient(0), c.Input(0)));
        }
    }
}
