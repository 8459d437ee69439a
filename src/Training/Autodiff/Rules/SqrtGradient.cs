namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = √X</c>: <c>dX = dY / (2Y)</c>, from Y.</summary>
internal sealed class SqrtGradient : IGradientRule
{
    public void Backward(GradientContext c) =>
        c.SetInputGradient(0, c.Div(c.Scale(c.OutputGradient(0), 0.5), c.Output(0)));
}
