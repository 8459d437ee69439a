using System.Diagnostics;

namespace MtlOnnx.Serving.Batching;

/// <summary>Converts <see cref="Stopwatch"/> timestamps to nanoseconds.</summary>
internal static class Clock
{
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Gets the current timestamp.</summary>
    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>Returns the nanoseconds between two timestamps.</summary>
    /// <param name="start">The earlier timestamp.</param>
    /// <param name="end">The later timestamp.</param>
    /// <returns>The elapsed nanoseconds.</returns>
    public static long Nanoseconds(long start, long end) => (long)((end - start) * s_nanosecondsPerTick);

    /// <summary>Returns the timestamp ticks of a number of microseconds.</summary>
    /// <param name="microseconds">The duration.</param>
    /// <returns>The ticks.</returns>
    public static long TicksFromMicroseconds(long microseconds) => (long)(microseconds * 1000 / s_nanosecondsPerTick);
}
