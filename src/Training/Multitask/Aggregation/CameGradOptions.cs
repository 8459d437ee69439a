namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Options of CAME-Grad (Zhang et al., 2026, "The Double Dilemma in Multi-Task Radiology Report Generation",
/// arXiv 2605.22635). Defaults are those of the authors' published training command.
/// </summary>
public sealed class CameGradOptions
{
    /// <summary>Gets or sets ρ, the conflict radius of the direction rectification. The default is 0.5.</summary>
    public double Rho { get; set; } = 0.5;

    /// <summary>Gets or sets κ, the magnitude gain of the energy injection. The default is 1.5.</summary>
    public double Kappa { get; set; } = 1.5;

    /// <summary>
    /// Gets or sets ν, the fusion coefficient of the linear-scalarization direction. The default is 0.2.
    /// </summary>
    public double Nu { get; set; } = 0.2;

    /// <summary>
    /// Gets or sets the task weights λ of the linear scalarization Σ λ_i g_i that CAME-Grad replaces;
    /// <see langword="null"/> means 1 each.
    /// </summary>
    public double[]? TaskWeights { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the fusion coefficient is scaled by the (non-negative) cosine between
    /// the rectified direction and the scalarized gradient. The default is <see langword="true"/>.
    /// </summary>
    public bool AdaptiveFusion { get; set; } = true;
}
