namespace MtlOnnx.Serving.Metrics;

/// <summary>A count of events and their total duration in nanoseconds (Triton's <c>StatisticDuration</c>).</summary>
internal sealed class DurationCounter
{
    private long _count;
    private long _nanoseconds;

    /// <summary>Gets the number of events.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Gets the total duration in nanoseconds.</summary>
    public long Nanoseconds => Interlocked.Read(ref _nanoseconds);

    /// <summary>Adds events.</summary>
    /// <param name="nanoseconds">Their total duration.</param>
    /// <param name="count">How many.</param>
    public void Add(long nanoseconds, long count = 1)
    {
        Interlocked.Add(ref _count, count);
        Interlocked.Add(ref _nanoseconds, nanoseconds);
    }

    /// <summary>Converts to the protocol message.</summary>
    /// <returns>The message.</returns>
    public Protocol.StatisticDuration ToProto() => new() { Count = (ulong)Count, Ns = (ulong)Nanoseconds };
}
