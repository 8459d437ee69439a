namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Options of ConFIG (Liu et al., 2025, "ConFIG: Towards Conflict-free Training of Physics Informed Neural Networks").
/// </summary>
public sealed class ConFigOptions
{
    /// <summary>
    /// Gets or sets the target projections of the unit direction on the unit task gradients; <see langword="null"/>
    /// means 1 each (equal angles to every task).
    /// </summary>
    public double[]? PreferenceWeights { get; set; }

    /// <summary>
    /// Gets or sets the eigenvalue cut of the pseudo-inverse relative to the largest eigenvalue. The default is 1e-10.
    /// </summary>
    public double RankTolerance { get; set; } = 1e-10;
}
