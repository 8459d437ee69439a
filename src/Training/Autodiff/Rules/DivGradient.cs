namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = A / B</c>: <c>dA = dY / B</c>, <c>dB = −(dY / B)·Y</c>, summed back over broadcast axes.</summary>
internal sealed class DivGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var scaled = c.Div(c.OutputGradient(0), c.Input(1));
        if (c.NeedsGradient(0))
        {
            c.SetInputGradient(0, c.ReduceToShape(scaled, c.Input(0)));
        }

        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, c.Neg(c.ReduceToShape(c.Mul(scaled, c.Output(0)), c.Input(1))));
        }
    }
}
