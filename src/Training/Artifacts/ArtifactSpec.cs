using MtlOnnx.Onnx;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Artifacts;

/// <summary>
/// Describes the training artifacts to generate from a forward graph: which initializers are trained and which
/// are frozen, the losses and their weights, the optimizer, and the options of the gradient graph.
/// </summary>
public sealed class ArtifactSpec
{
    /// <summary>Gets the forward model; its initializers hold the initial parameter values. It is not changed.</summary>
    public required ModelProto Forward { get; init; }

    /// <summary>Gets the names of the initializers that are trained.</summary>
    public required IReadOnlyList<string> Trainable { get; init; }

    /// <summary>
    /// Gets the names of the initializers that are parameters but not trained (frozen weights, running statistics):
    /// they become graph inputs and checkpoint tensors like the trainable ones. Initializers in neither list stay
    /// constants of the graphs. Empty by default.
    /// </summary>
    public IReadOnlyList<string> Frozen { get; init; } = [];

    /// <summary>Gets the losses; their weighted sum is what the gradients minimise.</summary>
    public required IReadOnlyList<LossSpec> Losses { get; init; }

    /// <summary>Gets constant loss weights, one per loss, or <see langword="null"/> (the default) for ones.</summary>
    public IReadOnlyList<float>? LossWeights { get; init; }

    /// <summary>
    /// Gets the name of a float [T] input of the training graph that carries the loss weights at every step, or
    /// <see langword="null"/> (the default) for constant weights.
    /// </summary>
    public string? LossWeightsInput { get; init; }

    /// <summary>
    /// Gets the shared tensors that also receive one gradient per loss (outputs <c>&lt;tensor&gt;_grad.&lt;loss&gt;</c>),
    /// for per-task gradient methods. Empty by default.
    /// </summary>
    public IReadOnlyList<string> PerLossWithRespectTo { get; init; } = [];

    /// <summary>
    /// Gets whether dropout masks become inputs of the training graph. The default is <see langword="false"/>.
    /// </summary>
    public bool FeedDropoutMasks { get; init; }

    /// <summary>
    /// Gets, for frozen parameters that hold running statistics, the forward-graph tensor with their value after a
    /// training step; the training graph outputs it and the session writes it back. Batch normalisation in training
    /// mode needs no entry: the gradient graph reports its statistics itself. Empty by default.
    /// </summary>
    public IReadOnlyDictionary<string, string> RunningStatisticUpdates { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the optimizer.</summary>
    public required OptimizerSpec Optimizer { get; init; }
}
