using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>Normalizes <c>Slice</c> parameters the way the ONNX specification clamps them.</summary>
internal static class SliceRanges
{
    /// <summary>Resolves each sliced axis to its first index, count and step; null where the size is unknown.</summary>
    public static SliceRange?[] Resolve(Dim[] shape, long[] starts, long[] ends, long[] axes, long[] steps)
    {
        var result = new SliceRange?[axes.Length];
        for (var i = 0; i < axes.Length; i++)
        {
            var axis = ShapeMath.NormalizeAxis(axes[i], shape.Length);
            if (shape[axis].Value is not { } dim)
            {
                continue;
            }

            result[i] = Resolve(dim, starts[i], ends[i], steps[i]);
        }

        return result;
    }

    public static SliceRange Resolve(long dim, long start, long end, long step)
    {
        start = start < 0 ? start + dim : start;
        end = end < 0 ? end + dim : end;
        long count;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            count = Math.Max(0, ShapeMath.CeilDiv(end - start, step));
        }
        else
        {
            start = Math.Clamp(start, 0, dim - 1);
            end = Math.Clamp(end, -1, dim - 1);
            count = Math.Max(0, ShapeMath.CeilDiv(start - end, -step));
        }

        return new SliceRange(start, count, step);
    }

    /// <summary>Gets whether a slice keeps a whole axis whatever its size.</summary>
    public static bool IsFull(long start, long end, long step) => start == 0 && step == 1 && end >= int.MaxValue;
}
