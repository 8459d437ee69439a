namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Options of dynamic weight average (Liu et al., 2019, "End-to-End Multi-Task Learning with Attention").
/// </summary>
public sealed class DynamicWeightAverageOptions
{
    /// <summary>Gets or sets the softmax temperature. The default is 2.0, the paper's value.</summary>
    public double Temperature { get; set; } = 2.0;
}
