namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Options of GradNorm (Chen et al., 2018, "GradNorm: Gradient Normalization for Adaptive Loss Balancing").
/// </summary>
public sealed class GradNormOptions
{
    /// <summary>Gets or sets α, the strength of the pull toward equal training rates. The default is 1.5.</summary>
    public double Alpha { get; set; } = 1.5;

    /// <summary>Gets or sets the Adam learning rate of the weight logits. The default is 1e-3.</summary>
    public double LearningRate { get; set; } = 1e-3;
}
