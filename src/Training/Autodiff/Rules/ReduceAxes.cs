using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>The axes a Reduce* node reduces, normalized, and the helpers their gradients share.</summary>
internal sealed class ReduceAxes
{
    private ReduceAxes(long[]? axes, bool keepDims, bool isNoop)
    {
        Axes = axes;
        KeepDims = keepDims;
        IsNoop = isNoop;
    }

    /// <summary>
    /// Gets the reduced axes, sorted and non-negative; null when they are only known at run time (with keepdims) or
    /// when every axis of an input of unknown rank is reduced. Either way dY then broadcasts against X as it is.
    /// </summary>
    public long[]? Axes { get; }

    public bool KeepDims { get; }

    /// <summary>Gets whether the node reduces nothing (empty axes with <c>noop_with_empty_axes</c>).</summary>
    public bool IsNoop { get; }

    /// <summary>Reads the axes of the context's node; they are an input from <paramref name="inputSince"/>.</summary>
    public static ReduceAxes Resolve(GradientContext c, int inputSince)
    {
        var keep = c.GetInt("keepdims", 1) != 0;
        var axes = c.ReadAxes(1, inputSince);
        var noop = c.GetInt("noop_with_empty_axes", 0) != 0;
        if (c.RankOf(c.Input(0)) is not { } rank)
        {
            // Of unknown rank, only a reduction of every axis can be undone: dY is then a scalar to expand.
            if (axes is { Length: 0 } && !noop)
            {
                return new ReduceAxes(null, true, false);
            }

            throw c.NotDefined($"the rank of input '{c.Input(0).Name}' is unknown.");
        }

        if (axes is null)
        {
            if (!keep)
            {
                throw c.NotDefined(
                    "its axes are computed at run time and keepdims is 0, so the reduced axes cannot be restored.");
            }

            return new ReduceAxes(null, keep, false);
        }

        if (axes.Length == 0)
        {
            if (noop)
            {
                return new ReduceAxes([], keep, true);
            }

            axes = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        }

        return new ReduceAxes(axes.Select(a => a < 0 ? a + rank : a).Distinct().Order().ToArray(), keep, false);
    }

    /// <summary>Restores the reduced axes of a reduced tensor (Y or dY) as size-one axes.</summary>
    public GraphValue Restore(GradientContext c, GraphValue reduced) =>
        KeepDims ? reduced : c.Unsqueeze(reduced, Axes!);

    /// <summary>Divides by the number of elements each output element reduces.</summary>
    public static GraphValue DivideByCount(GradientContext c, GraphValue value, ReduceAxes reduction)
    {
        var x = c.Input(0);
        var shape = c.ShapeOf(x);
        if (reduction.Axes is { } axes && shape is not null && axes.All(a => shape[(int)a].IsFixed))
        {
            var count = axes.Aggregate(1L, (p, a) => p * shape[(int)a].Value!.Value);
            return c.Scale(value, 1.0 / count);
        }

        // Count = Size(X) / Size(Y), computed at run time.
        var sizes = c.Shared("count", () =>
        {
            var total = c.EmitForward("Size", [x]);
            var reduced = c.EmitForward("Size", [c.Output(0)]);
            return c.EmitForward("Cast", [c.EmitForward("Div", [total, reduced])], Attr.Int("to", (long)c.ElementTypeOf(x)));
        });
        return c.Div(value, sizes);
    }
}
