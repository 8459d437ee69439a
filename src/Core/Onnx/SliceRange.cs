namespace MtlOnnx.Onnx;

/// <summary>The elements that <c>Slice</c> keeps along one axis of a known size.</summary>
/// <param name="Start">The first index kept.</param>
/// <param name="Count">The number of elements kept; zero when the slice is empty.</param>
/// <param name="Step">The distance between kept indices; negative when the slice runs backwards.</param>
public readonly record struct SliceRange(long Start, long Count, long Step)
{
    /// <summary>
    /// Resolves one axis of a <c>Slice</c> the way the ONNX specification does: negative bounds count from the
    /// end, and bounds past either end are clamped (to <c>[0, size]</c> going forwards and to <c>[-1, size - 1]</c>
    /// going backwards).
    /// </summary>
    /// <param name="size">The size of the axis.</param>
    /// <param name="start">The start bound, as the node gives it.</param>
    /// <param name="end">The end bound (exclusive), as the node gives it.</param>
    /// <param name="step">The step; not zero.</param>
    /// <returns>The elements kept.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="size"/> is negative, or <paramref name="step"/> is zero.
    /// </exception>
    public static SliceRange Resolve(long size, long start, long end, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfZero(step);
        start = start < 0 ? start + size : start;
        end = end < 0 ? end + size : end;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return new SliceRange(start, end > start ? (end - start + step - 1) / step : 0, step);
        }

        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return new SliceRange(start, start > end ? (start - end - step - 1) / -step : 0, step);
    }

    /// <summary>Gets whether a slice keeps a whole axis whatever its size, as <c>x[:]</c> does.</summary>
    /// <param name="start">The start bound.</param>
    /// <param name="end">The end bound.</param>
    /// <param name="step">The step.</param>
    /// <returns>
    /// <see langword="true"/> when the slice starts at 0, steps by 1 and ends at or past <c>int.MaxValue</c>.
    /// </returns>
    public static bool KeepsWholeAxis(long start, long end, long step) =>
        start == 0 && step == 1 && end >= int.MaxValue;
}
