namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = softmax(X)</c> along one axis (opset 13 and later): <c>dX = Y·(dY − Σ(Y·dY))</c>.</summary>
internal sealed class SoftmaxGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        var dy = c.OutputGradient(0);
        var axis = c.GetInt("axis", -1);
        var dot = c.ReduceSum(c.Mul(y, dy), [axis], keepDims: true);
        c.SetInputGradient(0, c.Mul(y, c.Sub(dy, dot)));
    }
}
