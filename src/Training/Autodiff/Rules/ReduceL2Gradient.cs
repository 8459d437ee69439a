namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = ‖X‖₂</c> over axes: <c>dX = X·dY / Y</c>, zero where Y is zero.</summary>
internal sealed class ReduceL2Gradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var reduction = ReduceAxes.Resolve(c, 18);
        if (reduction.IsNoop)
        {
            c.SetInputGradient(0, c.Mul(c.OutputGradient(0), c.Emit("Sign", [x])));
            return;
        }

        var y = reduction.Restore(c, c.Output(0));
        var ratio = c.Div(reduction.Restore(c, c.OutputGradient(0)), y);

        // Y is reduced and small, so a Where on it is cheap.
        var zero = c.ScalarLike(0, y);
        var safe = c.Emit("Where", [c.Emit("Equal", [y, zero]), zero, ratio]);
        c.SetInputGradient(0, c.Mul(x, safe));
    }
}
