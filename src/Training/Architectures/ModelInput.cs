using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Architectures;

/// <summary>One data input of a built model.</summary>
/// <param name="Name">The graph input name.</param>
/// <param name="Type">The element type: float for images and vectors, int64 for token ids and masks.</param>
/// <param name="Shape">The shape per sample; the batch dimension comes first in the graph and is symbolic.</param>
public sealed record ModelInput(string Name, ElementType Type, IReadOnlyList<long> Shape)
{
    /// <summary>The input name of images and feature vectors.</summary>
    public const string InputName = "input";

    /// <summary>The input name of token ids.</summary>
    public const string TokenIdsName = "input_ids";

    /// <summary>The input name of the attention mask (1 for real tokens, 0 for padding).</summary>
    public const string AttentionMaskName = "attention_mask";

    /// <summary>The name of the symbolic batch dimension.</summary>
    public const string BatchDim = "batch";
}
