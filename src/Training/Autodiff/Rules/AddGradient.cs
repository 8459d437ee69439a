namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = A + B</c>: both gradients are <c>dY</c>, summed back over broadcast axes.</summary>
internal sealed class AddGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        for (var i = 0; i < 2; i++)
        {
            if (c.NeedsGradient(i))
            {
                c.SetInputGradient(i, c.ReduceToShape(dy, c.Input(i)));
            }
        }
    }
}
