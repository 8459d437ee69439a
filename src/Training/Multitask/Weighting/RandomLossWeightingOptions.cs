namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Options of random loss weighting (Lin et al., 2022, "Reasonable Effectiveness of Random Weighting").
/// </summary>
public sealed class RandomLossWeightingOptions
{
    /// <summary>Gets or sets the seed of the weight draws. The default is 0.</summary>
    public int Seed { get; set; }
}
