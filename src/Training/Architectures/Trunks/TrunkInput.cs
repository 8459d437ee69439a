using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>What a trunk reads: the image or vector input, or the token ids and attention mask of text.</summary>
/// <param name="Primary">The image [C, H, W] or vector [D] input; unused for text.</param>
/// <param name="TokenIds">The int64 token ids [N, L], or <see cref="GraphValue.None"/>.</param>
/// <param name="AttentionMask">The int64 attention mask [N, L], or <see cref="GraphValue.None"/>.</param>
/// <param name="SequenceLength">The text length L, or 0.</param>
/// <param name="VocabularySize">The tokenizer's vocabulary size, or 0.</param>
public sealed record TrunkInput(
    Activation Primary,
    GraphValue TokenIds,
    GraphValue AttentionMask,
    int SequenceLength,
    int VocabularySize);
