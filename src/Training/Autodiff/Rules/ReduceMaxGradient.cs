using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// ReduceMax and ReduceMin: the gradient goes to the elements equal to the result, split evenly between ties
/// (as PyTorch's amax/amin).
/// </summary>
internal sealed class ReduceMaxGradient : IGradientRule
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

        if (reduction.Axes is null)
        {
            throw c.NotDefined("its axes are computed at run time.");
        }

        var mask = c.Shared("mask", () =>
        {
            var hit = c.EmitForward("Equal", [x, reduction.Restore(c, c.Output(0))]);
            return c.EmitForward("Cast", [hit], Attr.Int("to", (long)c.ElementTypeOf(x)));
        });
        var count = c.ReduceSum(mask, reduction.Axes, keepDims: true);
        var share = c.Div(reduction.Restore(c, c.OutputGradient(0)), count);
        c.SetInputGradient(0, c.Mul(mask, share));
    }
}
