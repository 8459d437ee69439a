namespace MtlOnnx.Training.Metrics;

/// <summary>
/// The multi-task performance change Δm% against single-task baselines (Maninis et al. 2019, as LibMTL computes
/// it): <c>Δm = 100 · (1/T) Σ_t (1/M_t) Σ_m (−1)^{h_m} (B_t,m − N_t,m) / B_t,m</c>, where h_m is 1 when a higher
/// value of metric m is better. Metrics are averaged within each task first, then across tasks. Positive is better.
/// </summary>
public static class DeltaM
{
    /// <summary>Computes Δm% over the metrics both results have.</summary>
    /// <param name="model">The multi-task model's metrics, task → metric → value.</param>
    /// <param name="baseline">The single-task baselines' metrics, task → metric → value.</param>
    /// <param name="metrics">The metrics to use, or <see langword="null"/> for every metric both sides have except losses.</param>
    /// <returns>Δm in percent.</returns>
    /// <exception cref="ArgumentException">No task and metric is shared, or a baseline value is 0.</exception>
    public static double Compute(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> model,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> baseline,
        IReadOnlyCollection<string>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(baseline);
        double total = 0;
        var tasks = 0;
        foreach (var (task, values) in model)
        {
            if (!baseline.TryGetValue(task, out var reference))
            {
                continue;
            }

            double sum = 0;
            var count = 0;
            foreach (var (metric, value) in values)
            {
                if (metric == "loss" || (metrics is not null && !metrics.Contains(metric)) || !reference.TryGetValue(metric, out var b))
                {
                    continue;
                }

                if (b == 0)
                {
                    throw new ArgumentException($"The baseline's {task}.{metric} is 0, so the relative change is undefined.",
                        nameof(baseline));
                }

                var sign = TaskMetricsFactory.HigherIsBetter(metric) ? 1.0 : -1.0;

                // (−1)^h (B − N)/B is −(B − N)/B when higher is better, i.e. (N − B)/B: positive when N improves on B.
                sum += sign * (value - b) / b;
                count++;
            }

            if (count > 0)
            {
                total += sum / count;
                tasks++;
            }
        }

        if (tasks == 0)
        {
            throw new ArgumentException("The model and the baseline share no task metric.", nameof(baseline));
        }

        return 100.0 * total / tasks;
    }
}
