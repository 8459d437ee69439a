namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = log Σ eˣ</c> over axes: <c>dX = dY·e^(X − Y)</c> (the softmax of X).</summary>
internal sealed class ReduceLogSumExpGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var reduction = ReduceAxes.Resolve(c, 18);
        if (reduction.IsNoop)
        {
            c.SetInputGradient(0, c.OutputGradient(0));
            return;
        }

        var softmax = c.Emit("Exp", [c.Sub(x, reduction.Restore(c, c.Output(0)))]);
        c.SetInputGradient(0, c.Mul(softmax, reduction.Restore(c, c.OutputGradient(0))));
    }
}
