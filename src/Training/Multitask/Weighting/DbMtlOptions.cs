namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>Options of DB-MTL (Lin et al., 2023, "Dual-Balancing for Multi-Task Learning").</summary>
public sealed class DbMtlOptions
{
    /// <summary>Gets or sets β, the moving-average rate of the log-loss gradients. The default is 0.9.</summary>
    public double Beta { get; set; } = 0.9;

    /// <summary>Gets or sets the decay exponent of β over steps (β / step^σ). The default is 0.</summary>
    public double BetaSigma { get; set; }
}
