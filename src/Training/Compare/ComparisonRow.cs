namespace MtlOnnx.Training.Compare;

/// <summary>One row of a comparison table: a method, or the single-task baselines, summarized over the seeds.</summary>
public sealed class ComparisonRow
{
    /// <summary>Gets the row's label: the method's registry name, or <see cref="ComparisonTable.SingleTaskLabel"/>.</summary>
    public required string Label { get; init; }

    /// <summary>Gets whether the row holds the single-task baselines (each task's metrics from its own runs).</summary>
    public bool IsBaseline { get; init; }

    /// <summary>Gets the number of seeds the row has runs for.</summary>
    public required int Seeds { get; init; }

    /// <summary>Gets each metric column's mean and standard deviation over the seeds.</summary>
    public required IReadOnlyDictionary<ComparisonColumn, MetricSummary> Metrics { get; init; }

    /// <summary>
    /// Gets Δm% against the single-task baselines of the same seed (see <c>DeltaM</c>), summarized over the seeds
    /// that have both; positive is better. The baseline row's is 0.
    /// </summary>
    public required MetricSummary DeltaM { get; init; }

    /// <summary>Gets the median step time of each seed's run in milliseconds, summarized over the seeds.</summary>
    public required MetricSummary StepMilliseconds { get; init; }

    /// <summary>
    /// Gets the step time relative to <see cref="ComparisonTable.Reference"/>: each seed's median step divided by
    /// the reference's median step of the same seed, averaged over the seeds; NaN when no seed has both.
    /// </summary>
    public required double StepRatio { get; init; }
}
