namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// A set of parameters that share a learning rate and a weight decay, like one entry of a PyTorch optimizer's
/// <c>param_groups</c>.
/// </summary>
public sealed class ParameterGroup
{
    /// <summary>Gets the group's name, used in error messages and checkpoints.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the names of the parameters in the group.</summary>
    public required IReadOnlyList<string> Parameters { get; init; }

    /// <summary>
    /// Gets the group's learning rate at the optimizer's base rate, or <see langword="null"/> (the default) to use
    /// <see cref="OptimizerSpec.LearningRate"/>. Schedulers and <c>SetLearningRate</c> scale every group by the same
    /// factor, as PyTorch's schedulers scale each group's initial rate.
    /// </summary>
    public float? LearningRate { get; init; }

    /// <summary>
    /// Gets the group's weight decay, or <see langword="null"/> (the default) to use
    /// <see cref="OptimizerSpec.WeightDecay"/>.
    /// </summary>
    public float? WeightDecay { get; init; }
}
