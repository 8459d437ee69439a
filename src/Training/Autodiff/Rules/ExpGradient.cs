namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = eˣ</c>: <c>dX = dY·Y</c>.</summary>
internal sealed class ExpGradient : IGradientRule
{
    public void Backward(GradientContext c) => c.SetInputGradient(0, c.Mul(c.OutputGradient(0), c.Output(0)));
}
