namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Tile</c> with constant repeats: <c>dY</c> is viewed as <c>[r₀, d₀, r₁, d₁, …]</c> and summed over the
/// repeat axes.
/// </summary>
internal sealed class TileGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var repeats = c.ConstantInt64s(c.Input(1)) ?? throw c.NotDefined("its repeats are not constant.");
        var shape = c.ShapeOf(x) ?? throw c.NotDefined($"the shape of input '{x.Name}' is unknown.");
        if (shape.Count(d => !d.IsFixed) > 1)
        {
            throw c.NotDefined($"input '{x.Name}' has more than one dimension that is not fixed.");
        }

        var view = new long[2 * repeats.Length];
        for (var i = 0; i < repeats.Length; i++)
        {
            view[2 * i] = repeats[i];
            view[(2 * i) + 1] = shape[i].Value ?? -1;
        }

        var reshaped = c.Emit("Reshape", [c.OutputGradient(0), c.Int64s(view)]);
        var axes = Enumerable.Range(0, repeats.Length).Select(i => 2L * i).ToArray();
        c.SetInputGradient(0, c.ReduceSum(reshaped, axes, keepDims: false));
    }
}
