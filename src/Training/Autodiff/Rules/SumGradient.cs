namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// Variadic Sum and Mean: each input gets <c>dY</c> (divided by the input count for Mean), summed back over
/// broadcast axes.
/// </summary>
/// <param name="mean">Whether the node is a Mean.</param>
internal sealed class SumGradient(bool mean) : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        var share = mean ? c.Scale(dy, 1.0 / c.InputCount) : dy;
        for (var i = 0; i < c.InputCount; i++)
        {
            if (c.NeedsGradient(i))
            {
                c.SetInputGradient(i, c.ReduceToShape(share, c.Input(i)));
            }
        }
    }
}
