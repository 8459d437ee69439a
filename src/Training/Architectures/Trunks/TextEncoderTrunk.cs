using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>
/// A text encoder: token and learned positional embeddings, pre-norm transformer encoder blocks that ignore padding,
/// a final layer norm and mean pooling over the real tokens.
/// </summary>
public static class TextEncoderTrunk
{
    /// <summary>The additive attention bias of padding keys: large enough to zero their weight, small enough for float16.</summary>
    public const float PaddingBias = -1e4f;

    /// <summary>Builds the trunk.</summary>
    /// <param name="scope">The trunk's scope.</param>
    /// <param name="input">The token ids, attention mask, length and vocabulary size.</param>
    /// <param name="spec">The trunk options (dim, depth, heads, MLP ratio, dropout).</param>
    /// <returns>The pooled features, [dim] per sample.</returns>
    /// <exception cref="ArgumentException">The vocabulary size or length is not positive.</exception>
    public static Activation Build(NetworkScope scope, TrunkInput input, TrunkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(spec);
        if (input.VocabularySize <= 0 || input.SequenceLength <= 0)
        {
            throw new ArgumentException("A text encoder needs a positive vocabulary size and sequence length.", nameof(input));
        }

        var g = scope.Graph;
        var length = input.SequenceLength;
        var x = scope.Embedding("token_embed", input.TokenIds, length, input.VocabularySize, spec.Dim);
        x = scope.AddPositionalEmbedding("pos_embed", x);
        x = scope.Dropout(x, spec.Dropout);

        // Padding keys get a large negative score bias: [N, L] -> [N, 1, 1, L], broadcast over heads and queries.
        var mask = GraphOps.Cast(g, input.AttentionMask, ElementType.Float);
        var padding = g.Sub(GraphOps.Scalar(g, 1f, "one"), mask);
        var keyBias = GraphOps.Unsqueeze(g, g.Mul(padding, GraphOps.Scalar(g, PaddingBias, "padding_bias")), 1, 2);
        for (var i = 0; i < spec.Depth; i++)
        {
            x = scope.Child("blocks").TransformerEncoderBlock(
                i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                x,
                spec.Heads,
                spec.MlpRatio,
                spec.Dropout,
                keyBias);
        }

        x = scope.LayerNorm("norm", x);

        // Mean over real tokens: Σ h·m / max(Σ m, 1).
        var weights = GraphOps.Unsqueeze(g, mask, 2);
        var total = GraphOps.ReduceSum(g, g.Mul(x.Value, weights), [1], keepDims: false);
        var count = g.Node("Max", [GraphOps.ReduceSum(g, weights, [1], keepDims: false), GraphOps.Scalar(g, 1f, "one")]);
        return Activation.Of(g.Div(total, count), spec.Dim);
    }
}
