using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Architectures;

/// <summary>The tensors of one task in a built model: its head output, loss, label and mask inputs.</summary>
public sealed class TaskOutputs
{
    /// <summary>Gets the task.</summary>
    public required TaskSpec Task { get; init; }

    /// <summary>Gets the head output: logits for classification, standardised predictions for regression; [N, K].</summary>
    public required string OutputName { get; init; }

    /// <summary>Gets the regression predictions in original units ([N, D]), or <see langword="null"/> for classification.</summary>
    public string? PredictionName { get; init; }

    /// <summary>Gets the scalar loss output.</summary>
    public required string LossName { get; init; }

    /// <summary>Gets the label input: int64 [N] for multiclass, float [N] (binary) or [N, K] otherwise.</summary>
    public required string LabelName { get; init; }

    /// <summary>Gets the label element type.</summary>
    public required ElementType LabelType { get; init; }

    /// <summary>Gets the label shape per sample: empty for multiclass and binary, [K] or [D] otherwise.</summary>
    public required IReadOnlyList<long> LabelShape { get; init; }

    /// <summary>Gets the float mask input, [N]: 1 where the sample has a label for this task.</summary>
    public required string MaskName { get; init; }

    /// <summary>Gets the regression targets' means, used to standardise them; empty for classification.</summary>
    public IReadOnlyList<double> TargetMean { get; init; } = [];

    /// <summary>Gets the regression targets' standard deviations; empty for classification.</summary>
    public IReadOnlyList<double> TargetStd { get; init; } = [];
}
