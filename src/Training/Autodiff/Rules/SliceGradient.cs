using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Slice</c> with constant parameters: <c>dY</c> is padded with zeros back to the input's shape. An axis with a
/// step |s| &gt; 1 first spreads its elements s apart (unsqueeze, pad, merge); a negative step first reverses it.
/// </summary>
internal sealed class SliceGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var shape = c.ShapeOf(x) ?? throw c.NotDefined($"the shape of input '{x.Name}' is unknown.");
        var rank = shape.Count;
        var starts = Constant(c, 1, "starts");
        var ends = Constant(c, 2, "ends");
        var axes = c.HasInput(3)
            ? Constant(c, 3, "axes")
            : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = c.HasInput(4) ? Constant(c, 4, "steps") : Enumerable.Repeat(1L, starts.Length).ToArray();

        var g = c.OutputGradient(0);
        var pads = new long[2 * rank];
        for (var i = 0; i < axes.Length; i++)
        {
            var axis = (int)(axes[i] < 0 ? axes[i] + rank : axes[i]);
            if (shape[axis].Value is not { } dim)
            {
                if (steps[i] == 1 && starts[i] >= 0 && ends[i] >= int.MaxValue)
                {
                    // Up to the end of an axis of unknown size: only the front needs padding.
                    pads[axis] = starts[i];
                    continue;
                }

                throw c.NotDefined($"axis {axis} of input '{x.Name}' has no fixed size, which this slice needs.");
            }

            var range = SliceRange.Resolve(dim, starts[i], ends[i], steps[i]);
            var first = range.Start;
            var step = range.Step;
            if (range.Count == 0)
            {
                c.SetInputGradient(0, c.ZerosLike(x));
                return;
            }

            if (step < 0)
            {
                // Reverse the axis so the kept elements ascend from the lowest index kept.
                g = c.Emit("Slice", [g, c.Int64s(-1), c.Int64s(long.MinValue), c.Int64s(axis), c.Int64s(-1)]);
                first += (range.Count - 1) * step;
                step = -step;
            }

            var length = range.Count;
            if (step > 1)
            {
                g = Spread(c, g, axis, range.Count, step);
                length = range.Count * step;
            }

            pads[axis] = first;
            pads[axis + rank] = dim - first - length;
        }

        c.SetInputGradient(0, pads.All(p => p == 0) ? g : c.Emit("Pad", [g, c.Int64s(pads)]));
    }

    private static long[] Constant(GradientContext c, int index, string what) =>
        c.ConstantInt64s(c.Input(index)) ?? throw c.NotDefined($"its {what} are computed at run time.");

    /// <summary>Places the elements along an axis <paramref name="step"/> apart, zeros between.</summary>
    private static GraphValue Spread(GradientContext c, GraphValue g, int axis, long count, long step)
    {
        var shape = c.ShapeOf(g)!;
        var rank = shape.Count;
        var expanded = c.Unsqueeze(g, [axis + 1]);
        var pads = new long[2 * (rank + 1)];
        pads[axis + 1 + rank + 1] = step - 1;
        var padded = c.Emit("Pad", [expanded, c.Int64s(pads)]);

        // Merge the axis with the new one; copy leading dimensions with 0, trailing ones must be fixed but one.
        var target = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            target[i] = i < axis ? 0 : i == axis ? count * step : shape[i].Value ?? -1;
        }

        if (target.Skip(axis + 1).Count(t => t == -1) > 1)
        {
            throw c.NotDefined(
                "a strided slice of a tensor with several dimensions of unknown size follows the sliced axis.");
        }

        return c.Emit("Reshape", [padded, c.Int64s(target)]);
    }
}
