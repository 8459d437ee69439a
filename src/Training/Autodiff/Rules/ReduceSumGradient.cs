namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// ReduceSum and ReduceMean: <c>dY</c> (with the reduced axes restored) expanded to the input's shape, divided
/// by the number of reduced elements for the mean.
/// </summary>
/// <param name="mean">Whether the node is a ReduceMean.</param>
internal sealed class ReduceSumGradient(bool mean) : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var dy = c.OutputGradient(0);
        var reduction = ReduceAxes.Resolve(c, mean ? 18 : 13);
        if (reduction.IsNoop)
        {
            c.SetInputGradient(0, dy);
            return;
        }

        var kept = reduction.KeepDims ? dy : c.Unsqueeze(dy, reduction.Axes!);
        if (mean)
        {
            kept = ReduceAxes.DivideByCount(c, kept, reduction);
        }

        c.SetInputGradient(0, c.Emit("Expand", [kept, c.ShapeValue(x)]));
    }
}
