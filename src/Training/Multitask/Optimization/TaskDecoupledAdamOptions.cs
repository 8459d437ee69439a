namespace MtlOnnx.Training.Multitask.Optimization;

/// <summary>Options of <see cref="TaskDecoupledAdam"/>; the Adam defaults are PyTorch's.</summary>
public sealed class TaskDecoupledAdamOptions
{
    /// <summary>Gets or sets the decay of the first moments. The default is 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Gets or sets the decay of the second moments. The default is 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Gets or sets the term added to the root of the second moments. The default is 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Gets or sets the weight decay. The default is 0.</summary>
    public double WeightDecay { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether weight decay is decoupled (AdamW: the parameters shrink by
    /// lr · weight_decay) rather than added to the gradient as an L2 term (Adam). The default is <see langword="false"/>.
    /// </summary>
    public bool DecoupledWeightDecay { get; set; }

    /// <summary>
    /// Gets or sets the factor on the measured conflict that blends in the per-task residual steps. The default is 1.
    /// </summary>
    public double ResidualScale { get; set; } = 1.0;
}
