namespace MtlOnnx.Training.Compare;

/// <summary>The mean and the sample standard deviation of one quantity over the seeds of a comparison.</summary>
/// <param name="Mean">The mean, or NaN when <paramref name="Count"/> is 0.</param>
/// <param name="StandardDeviation">
/// The sample standard deviation (divided by n − 1); 0 for a single value and NaN for none.
/// </param>
/// <param name="Count">The number of values.</param>
public readonly record struct MetricSummary(double Mean, double StandardDeviation, int Count)
{
    /// <summary>Summarizes values.</summary>
    /// <param name="values">The values, one per seed.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is <see langword="null"/>.</exception>
    public static MetricSummary Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new MetricSummary(double.NaN, double.NaN, 0);
        }

        double mean = 0;
        foreach (double value in values)
        {
            mean += value;
        }

        mean /= values.Count;
        if (values.Count == 1)
        {
            return new MetricSummary(mean, 0, 1);
        }

        double squares = 0;
        foreach (double value in values)
        {
            squares += (value - mean) * (value - mean);
        }

        return new MetricSummary(mean, Math.Sqrt(squares / (values.Count - 1)), values.Count);
    }
}
