using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Concat</c>: <c>dY</c> is split back along the axis into pieces the sizes of the inputs.</summary>
internal sealed class ConcatGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var rank = c.RankOf(c.Input(0)) ?? throw c.NotDefined($"the rank of input '{c.Input(0).Name}' is unknown.");
        var axis = c.GetInt("axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        var sizes = c.Shared("sizes", () => Sizes(c, (int)axis));
        var pieces = c.Split(c.OutputGradient(0), axis, sizes, c.InputCount);
        for (var i = 0; i < c.InputCount; i++)
        {
            c.SetInputGradient(i, pieces[i]);
        }
    }

    private static GraphValue Sizes(GradientContext c, int axis)
    {
        var dims = Enumerable.Range(0, c.InputCount).Select(i => c.ShapeOf(c.Input(i))?[axis]).ToArray();
        if (dims.All(d => d?.IsFixed == true))
        {
            return c.Int64s(dims.Select(d => d!.Value.Value!.Value).ToArray());
        }

        var parts = Enumerable.Range(0, c.InputCount)
            .Select(i => c.EmitForward("Gather", [c.Shape(c.Input(i)), c.Int64s(axis)], Attr.Int("axis", 0)))
            .ToArray();
        return c.EmitForward("Concat", parts, Attr.Int("axis", 0));
    }
}
