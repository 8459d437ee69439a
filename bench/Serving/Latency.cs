using System.Diagnostics;

namespace MtlOnnx.Serving.Bench;

/// <summary>Percentiles of a set of timed calls, in microseconds.</summary>
internal sealed record Latency(double P50, double P99, double Mean)
{
    public static async Task<Latency> MeasureAsync(Func<Task> call, int warmup, int samples)
    {
        for (var i = 0; i < warmup; i++)
        {
            await call();
        }

        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(times);
        return new Latency(times[samples / 2], times[(int)(samples * 0.99)], times.Average());
    }

    /// <summary>
    /// Times several calls round-robin, one of each in turn, so that on a shared machine every call meets the same
    /// load: a busy spell lands on all of them rather than on whichever block ran during it.
    /// </summary>
    public static async Task<Latency[]> MeasureInterleavedAsync(IReadOnlyList<Func<Task>> calls, int warmup,
        int samples)
    {
        for (var i = 0; i < warmup; i++)
        {
            foreach (var call in calls)
            {
                await call();
            }
        }

        var times = calls.Select(_ => new double[samples]).ToArray();
        for (var i = 0; i < samples; i++)
        {
            for (var c = 0; c < calls.Count; c++)
            {
                var start = Stopwatch.GetTimestamp();
                await calls[c]();
                times[c][i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }

        return [.. times.Select(t =>
        {
            Array.Sort(t);
            return new Latency(t[samples / 2], t[(int)(samples * 0.99)], t.Average());
        })];
    }

    /// <summary>Returns the median of some values (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static Latency Measure(Action call, int warmup, int samples) =>
        MeasureAsync(() =>
        {
            call();
            return Task.CompletedTask;
        }, warmup, samples).GetAwaiter().GetResult();
}
