namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Options of the dual-cone projection methods UPGrad and DualProj (Quinton and Rey, 2024, "Jacobian Descent").
/// </summary>
public sealed class DualConeOptions
{
    /// <summary>
    /// Gets or sets the preference weights u; <see langword="null"/> means 1/T each. UPGrad projects each u_i e_i,
    /// DualProj projects u.
    /// </summary>
    public double[]? PreferenceWeights { get; set; }

    /// <summary>
    /// Gets or sets the trace below which the Gram matrix is treated as zero (the update is then the preference
    /// combination). The default is 1e-4, torchjd's value.
    /// </summary>
    public double NormEps { get; set; } = 1e-4;

    /// <summary>
    /// Gets or sets the ridge added to the trace-normalized Gram matrix so the projection QP is strictly convex. The
    /// default is 1e-4, torchjd's value.
    /// </summary>
    public double RegEps { get; set; } = 1e-4;
}
