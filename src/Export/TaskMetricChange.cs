namespace MtlOnnx.Export;

/// <summary>
/// One task's metric on the validation set at float32 and at the exported precision.
/// </summary>
/// <param name="Task">The task name.</param>
/// <param name="Metric">The metric: <c>accuracy</c> (percent) or <c>mae</c> (mean absolute error).</param>
/// <param name="Float32">The metric of the float32 export.</param>
/// <param name="Value">The metric at the exported precision.</param>
public sealed record TaskMetricChange(string Task, string Metric, double Float32, double Value)
{
    /// <summary>Gets whether a higher value of the metric is better.</summary>
    public bool HigherIsBetter => Metric == "accuracy";

    /// <summary>
    /// Gets how much worse the metric became: percentage points for accuracy, the relative increase for errors
    /// (0.05 is five percent). Negative when it improved.
    /// </summary>
    public double Degradation => HigherIsBetter
        ? Float32 - Value
        : (Value - Float32) / Math.Max(Math.Abs(Float32), 1e-12);

    /// <inheritdoc />
    public override string ToString() => HigherIsBetter
        ? $"{Task}: accuracy {Float32:F2}% -> {Value:F2}% ({-Degradation:+0.00;-0.00;0.00} points)"
        : $"{Task}: mae {Float32:G5} -> {Value:G5} ({Degradation:+0.0%;-0.0%;0.0%})";
}
