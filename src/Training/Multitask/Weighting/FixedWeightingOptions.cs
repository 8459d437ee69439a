namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>Options of fixed loss weights.</summary>
public sealed class FixedWeightingOptions
{
    /// <summary>Gets or sets one weight per task. Required.</summary>
    public double[]? Weights { get; set; }
}
