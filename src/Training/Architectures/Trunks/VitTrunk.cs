using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>
/// A small vision transformer: non-overlapping patch embedding (a strided convolution), learned positional
/// embeddings, pre-norm encoder blocks, a final layer norm and mean pooling over the patches.
/// </summary>
public static class VitTrunk
{
    /// <summary>Builds the trunk.</summary>
    /// <param name="scope">The trunk's scope.</param>
    /// <param name="x">The image, [C, H, W]; its sides must be multiples of the patch size.</param>
    /// <param name="spec">The trunk options (patch size, dim, depth, heads, MLP ratio, dropout).</param>
    /// <returns>The features, [dim] per sample.</returns>
    public static Activation Build(NetworkScope scope, Activation x, TrunkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(spec);
        var g = scope.Graph;
        var patches = scope.Conv2d("patch_embed", x, spec.Dim, spec.PatchSize, spec.PatchSize);
        var count = patches.Shape[1] * patches.Shape[2];

        // [N, D, h, w] -> [N, h·w, D]: one token per patch.
        var tokens = g.Transpose(GraphOps.Reshape(g, patches.Value, 0, spec.Dim, count), 0, 2, 1);
        var sequence = scope.AddPositionalEmbedding("pos_embed", Activation.Of(tokens, count, spec.Dim));
        sequence = scope.Dropout(sequence, spec.Dropout);
        for (var i = 0; i < spec.Depth; i++)
        {
            sequence = scope.Child("blocks").TransformerEncoderBlock(
                i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                sequence,
                spec.Heads,
                spec.MlpRatio,
                spec.Dropout,
                GraphValue.None);
        }

        sequence = scope.LayerNorm("norm", sequence);
        return Activation.Of(GraphOps.ReduceMean(g, sequence.Value, [1], keepDims: false), spec.Dim);
    }
}
