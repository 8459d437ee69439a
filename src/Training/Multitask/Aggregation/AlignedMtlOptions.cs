namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Options of Aligned-MTL (Senushkin et al., 2023, "Independent Component Alignment for Multi-Task Learning").
/// </summary>
public sealed class AlignedMtlOptions
{
    /// <summary>
    /// Gets or sets the eigenvalue that scales the aligned system. The default is <see
    /// cref="AlignedMtlScaleMode.Min"/>.
    /// </summary>
    public AlignedMtlScaleMode ScaleMode { get; set; } = AlignedMtlScaleMode.Min;

    /// <summary>
    /// Gets or sets the task preference weights applied to the aligned gradients; <see langword="null"/> means 1/T
    /// each, as torchjd does (LibMTL sums, which is T times larger).
    /// </summary>
    public double[]? PreferenceWeights { get; set; }

    /// <summary>Gets or sets the eigenvalue cut relative to the largest eigenvalue. The default is 1e-10.</summary>
    public double RankTolerance { get; set; } = 1e-10;
}
