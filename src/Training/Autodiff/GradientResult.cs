using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// The outcome of <see cref="Autodiff.Differentiate(ModelProto, GradientRequest)"/>: one model that computes the
/// forward pass once and the requested gradients, with the names under which each gradient is an output.
/// </summary>
public sealed class GradientResult
{
    internal GradientResult(
        ModelProto model,
        IReadOnlyDictionary<string, string> gradientOutputs,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> perLossGradientOutputs,
        IReadOnlyDictionary<string, string> runningStatisticOutputs,
        IReadOnlyDictionary<string, string> dropoutMaskInputs,
        string? lossWeightsInput)
    {
        Model = model;
        GradientOutputs = gradientOutputs;
        PerLossGradientOutputs = perLossGradientOutputs;
        RunningStatisticOutputs = runningStatisticOutputs;
        DropoutMaskInputs = dropoutMaskInputs;
        LossWeightsInput = lossWeightsInput;
    }

    /// <summary>Gets the model: the forward graph followed by the backward graph, in one graph.</summary>
    public ModelProto Model { get; }

    /// <summary>
    /// Gets, for each tensor of <see cref="GradientRequest.WithRespectTo"/>, the graph output holding the gradient
    /// of the weighted loss sum, named <c>&lt;tensor&gt;_grad</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> GradientOutputs { get; }

    /// <summary>
    /// Gets, for each loss and each tensor of <see cref="GradientRequest.PerLossWithRespectTo"/>, the graph output
    /// holding the gradient of that loss alone, named <c>&lt;tensor&gt;_grad.&lt;loss&gt;</c>.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PerLossGradientOutputs { get; }

    /// <summary>
    /// Gets, for each running statistic of a training-mode <c>BatchNormalization</c> (its <c>input_mean</c> and
    /// <c>input_var</c> tensors), the graph output holding its updated value: named <c>&lt;tensor&gt;_new</c>, or
    /// the node's own running-mean and running-variance output names where it declares them (as PyTorch's
    /// training-mode export does).
    /// </summary>
    /// <remarks>
    /// The update follows the ONNX convention <c>new = old·momentum + batch·(1 − momentum)</c>, with the population
    /// variance of the batch (PyTorch's momentum is one minus ONNX's, and PyTorch updates with the unbiased variance).
    /// </remarks>
    public IReadOnlyDictionary<string, string> RunningStatisticOutputs { get; }

    /// <summary>
    /// Gets, for each training-mode <c>Dropout</c> node whose mask became an input (see
    /// <see cref="GradientRequest.FeedDropoutMasks"/>), the name of the boolean mask input.
    /// </summary>
    public IReadOnlyDictionary<string, string> DropoutMaskInputs { get; }

    /// <summary>Gets the name of the loss-weights input, or <see langword="null"/> when the weights are constants.</summary>
    public string? LossWeightsInput { get; }
}
