namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = log softmax(X)</c> along one axis: <c>dX = dY − e^Y·Σ dY</c>.</summary>
internal sealed class LogSoftmaxGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        var dy = c.OutputGradient(0);
        var total = c.ReduceSum(dy, [c.GetInt("axis", -1)], keepDims: true);
        var softmax = c.Shared("softmax", () => c.EmitForward("Exp", [y]));
        c.SetInputGradient(0, c.Sub(dy, c.Mul(softmax, total)));
    }
}
