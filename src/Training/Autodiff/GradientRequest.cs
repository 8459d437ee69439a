using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// Describes which gradients <see cref="Autodiff.Differentiate(ModelProto, GradientRequest)"/> adds to a forward
/// graph: the losses, how they are weighted, and the tensors to differentiate with respect to.
/// </summary>
/// <remarks>
/// The weighted-sum gradient of every tensor in <see cref="WithRespectTo"/> is the gradient of
/// <c>Σᵢ wᵢ·Lᵢ</c>. Tensors in <see cref="PerLossWithRespectTo"/> also receive the gradient of each loss on its
/// own, unweighted, as per-task gradient methods (PCGrad, MGDA, ...) need.
/// </remarks>
public sealed class GradientRequest
{
    /// <summary>Gets the names of the scalar loss tensors (graph outputs or intermediate tensors).</summary>
    public required IReadOnlyList<string> Losses { get; init; }

    /// <summary>
    /// Gets constant weights for the losses, one per loss, or <see langword="null"/> for weights of one.
    /// Cannot be combined with <see cref="LossWeightsInput"/>.
    /// </summary>
    public IReadOnlyList<float>? LossWeights { get; init; }

    /// <summary>
    /// Gets the name of a new graph input of type float and shape <c>[T]</c> (T = number of losses) that holds the
    /// loss weights, so that task weights can change at every step without rebuilding the graph; or
    /// <see langword="null"/> for constant weights.
    /// </summary>
    public string? LossWeightsInput { get; init; }

    /// <summary>
    /// Gets the tensors that receive the weighted-sum gradient: trainable parameters and, for saliency, data inputs
    /// or intermediate tensors. Each gets an output named <c>&lt;tensor&gt;_grad</c>.
    /// </summary>
    public required IReadOnlyList<string> WithRespectTo { get; init; }

    /// <summary>
    /// Gets the shared tensors (parameters of the trunk, or the shared representation) that also receive one
    /// gradient per loss, named <c>&lt;tensor&gt;_grad.&lt;loss&gt;</c>. They need not be listed in
    /// <see cref="WithRespectTo"/>; when they are, they get the weighted-sum gradient as well. Empty by default.
    /// </summary>
    public IReadOnlyList<string> PerLossWithRespectTo { get; init; } = [];

    /// <summary>
    /// Gets a value indicating whether the forward graph's outputs stay outputs of the result. Defaults to
    /// <see langword="true"/>. When <see langword="false"/>, only gradients and running statistics are outputs.
    /// </summary>
    public bool KeepForwardOutputs { get; init; } = true;

    /// <summary>
    /// Gets a value indicating whether every <c>BatchNormalization</c> and <c>Dropout</c> node is treated as in
    /// training mode, whatever its own attributes and inputs say (for models exported in inference mode).
    /// Defaults to <see langword="false"/>: nodes run in the mode they declare.
    /// </summary>
    public bool ForceTrainingMode { get; init; }

    /// <summary>
    /// Gets a value indicating whether the mask of every training-mode <c>Dropout</c> becomes a boolean graph input
    /// (named <c>&lt;dropout output&gt;_mask</c>, listed in <see cref="GradientResult.DropoutMaskInputs"/>) instead
    /// of being drawn by the runtime, so that a step is reproducible; a graph output that was the node's mask output
    /// becomes that input. Defaults to <see langword="false"/>.
    /// </summary>
    public bool FeedDropoutMasks { get; init; }

    /// <summary>
    /// Gets the rules to use, or <see langword="null"/> for <see cref="GradientRuleRegistry.Default"/>.
    /// </summary>
    public GradientRuleRegistry? Rules { get; init; }
}
