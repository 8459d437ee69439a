using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Layers;

/// <summary>Embedding tables.</summary>
public static class EmbeddingLayers
{
    /// <summary>Adds a token embedding: rows of a [vocabulary, dim] table gathered by int64 ids.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The layer name.</param>
    /// <param name="ids">The int64 ids, [N, L].</param>
    /// <param name="length">The sequence length L.</param>
    /// <param name="vocabulary">The number of rows.</param>
    /// <param name="dim">The embedding width.</param>
    /// <returns>The embeddings, [L, dim] per sample.</returns>
    public static Activation Embedding(
        this NetworkScope scope,
        string name,
        GraphValue ids,
        long length,
        long vocabulary,
        long dim)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabulary);
        var table = scope.Child(name).Parameter("weight", [vocabulary, dim], Init.Normal, ParameterRole.Embedding);
        return Activation.Of(scope.Graph.Node("Gather", [table, ids], Attr.Int("axis", 0)), length, dim);
    }

    /// <summary>Adds a learned positional embedding [positions, dim] to a sequence, broadcast over the batch.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The layer name.</param>
    /// <param name="x">The sequence, [L, dim] per sample.</param>
    /// <returns>The sequence plus its positions' embeddings.</returns>
    public static Activation AddPositionalEmbedding(this NetworkScope scope, string name, Activation x)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var table = scope.Child(name).Parameter("weight", [x.Shape[0], x.Shape[1]], Init.SmallNormal, ParameterRole.Embedding);
        return x.With(scope.Graph.Add(x.Value, table));
    }
}
