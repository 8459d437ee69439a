namespace MtlOnnx.Serving.Metrics;

/// <summary>
/// A lock-free histogram with fixed upper bounds, for Prometheus: counts per bucket, the sum and the count.
/// </summary>
internal sealed class Histogram
{
    private readonly long[] _counts;
    private long _sumMicro;
    private long _count;

    /// <summary>Initializes a histogram.</summary>
    /// <param name="bounds">The bucket upper bounds, ascending; an implicit +Inf bucket follows.</param>
    public Histogram(double[] bounds)
    {
        Bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    /// <summary>Latency buckets in seconds, from 100 µs to 10 s.</summary>
    public static double[] LatencySeconds { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

    /// <summary>Batch-size buckets, powers of two up to 256.</summary>
    public static double[] BatchSizes { get; } = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    /// <summary>Gets the bucket upper bounds.</summary>
    public double[] Bounds { get; }

    /// <summary>Gets the number of observations.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Gets the sum of the observations.</summary>
    public double Sum => Interlocked.Read(ref _sumMicro) / 1e6;

    /// <summary>Records one observation.</summary>
    /// <param name="value">The value.</param>
    public void Observe(double value)
    {
        var bucket = Array.BinarySearch(Bounds, value);
        if (bucket < 0)
        {
            bucket = ~bucket;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumMicro, (long)(value * 1e6));
        Interlocked.Increment(ref _count);
    }

    /// <summary>Returns the cumulative counts per bucket, +Inf last.</summary>
    /// <returns>The counts.</returns>
    public long[] CumulativeCounts()
    {
        var result = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            result[i] = running;
        }

        return result;
    }
}
