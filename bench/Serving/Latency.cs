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

    public static Latency Measure(Action call, int warmup, int samples) =>
        MeasureAsync(() =>
        {
            call();
            return Task.CompletedTask;
        }, warmup, samples).GetAwaiter().GetResult();
}
