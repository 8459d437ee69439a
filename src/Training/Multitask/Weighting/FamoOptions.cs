namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>Options of FAMO (Liu et al., 2023, "FAMO: Fast Adaptive Multitask Optimization").</summary>
public sealed class FamoOptions
{
    /// <summary>Gets or sets the Adam learning rate of the weight logits. The default is 0.025.</summary>
    public double WLr { get; set; } = 0.025;

    /// <summary>Gets or sets the Adam weight decay (L2) of the weight logits. The default is 1e-3.</summary>
    public double WGamma { get; set; } = 1e-3;

    /// <summary>
    /// Gets or sets the lower bounds m_i of the losses, subtracted before the logarithm; <see langword="null"/> means 0.
    /// </summary>
    public double[]? MinLosses { get; set; }
}
