namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = A − B</c>: <c>dA = dY</c>, <c>dB = −dY</c>, summed back over broadcast axes.</summary>
internal sealed class SubGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        if (c.NeedsGradient(0))
        {
            c.SetInputGradient(0, c.ReduceToShape(dy, c.Input(0)));
        }

        if (c.NeedsGradient(1))
        {
            // Negating after the reduction touches fewer elements.
            c.SetInputGradient(1, c.Neg(c.ReduceToShape(dy, c.Input(1))));
        }
    }
}
