namespace MtlOnnx.Export;

/// <summary>
/// What reducing the precision of an export cost: size, largest output difference, and per-task metrics.
/// </summary>
/// <param name="Precision">The exported precision.</param>
/// <param name="Float32Bytes">The size of the float32 model.</param>
/// <param name="Bytes">The size of the exported model.</param>
/// <param name="MaxOutputDifference">The largest absolute difference of any raw task output on the sample batch.</param>
/// <param name="Metrics">The per-task metrics on the validation set; empty without one.</param>
public sealed record PrecisionReport(
    ExportPrecision Precision,
    long Float32Bytes,
    long Bytes,
    double MaxOutputDifference,
    IReadOnlyList<TaskMetricChange> Metrics)
{
    /// <summary>Gets the exported size as a fraction of the float32 size.</summary>
    public double SizeRatio => (double)Bytes / Float32Bytes;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Precision}: {Bytes:N0} bytes ({SizeRatio:P0} of float32 {Float32Bytes:N0}), largest output difference " +
        $"{MaxOutputDifference:G3}" + (Metrics.Count == 0 ? "." : "; " + string.Join("; ", Metrics) + ".");
}
