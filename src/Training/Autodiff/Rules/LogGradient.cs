namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = ln X</c>: <c>dX = dY / X</c>.</summary>
internal sealed class LogGradient : IGradientRule
{
    public void Backward(GradientContext c) => c.SetInputGradient(0, c.Div(c.OutputGradient(0), c.Input(0)));
}
