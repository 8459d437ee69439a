namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Options of IMTL-G (Liu et al., 2021, "Towards Impartial Multi-task Learning").</summary>
public sealed class ImtlGOptions
{
    /// <summary>
    /// Gets or sets the eigenvalue cut of the pseudo-inverse, relative to the largest eigenvalue of the Gram matrix.
    /// The default 1e-10 treats directions below 1e-5 of the largest singular value, the level of float32 rounding,
    /// as absent.
    /// </summary>
    public double RankTolerance { get; set; } = 1e-10;
}
