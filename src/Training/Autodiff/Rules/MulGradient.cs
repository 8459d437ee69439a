namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = A·B</c>: <c>dA = dY·B</c>, <c>dB = dY·A</c>, summed back over broadcast axes.</summary>
internal sealed class MulGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        if (c.NeedsGradient(0))
        {
            c.SetInputGradient(0, c.ReduceToShape(c.Mul(dy, c.Input(1)), c.Input(0)));
        }

        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, c.ReduceToShape(c.Mul(dy, c.Input(0)), c.Input(1)));
        }
    }
}
