using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Layers;

/// <summary>Multi-head self-attention and the pre-norm transformer encoder block.</summary>
public static class AttentionLayers
{
    /// <summary>
    /// Adds multi-head self-attention: query, key and value projections (Xavier-uniform over the packed
    /// [3·dim, dim] fan, as PyTorch initialises them; zero biases), scaled dot-product attention per head, and an
    /// output projection.
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The layer name.</param>
    /// <param name="x">The sequence, [S, D] per sample.</param>
    /// <param name="heads">The number of heads; must divide D.</param>
    /// <param name="keyBias">
    /// An additive bias over the keys, [N, 1, 1, S] (0 for real tokens, a large negative number for padding), or
    /// <see cref="GraphValue.None"/>.
    /// </param>
    /// <returns>The attended sequence, [S, D] per sample.</returns>
    /// <exception cref="ArgumentException">The input is not [S, D] or D is not divisible by the head count.</exception>
    public static Activation MultiHeadAttention(
        this NetworkScope scope,
        string name,
        Activation x,
        int heads,
        GraphValue keyBias)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (x.Rank != 2 || x.Shape[1] % heads != 0)
        {
            throw new ArgumentException(
                $"Attention '{scope.NameOf(name)}' takes [S, D] inputs with D divisible by {heads}, " +
                $"but got [{string.Join(", ", x.Shape)}].",
                nameof(x));
        }

        var layer = scope.Child(name);
        var g = scope.Graph;
        var (s, d) = (x.Shape[0], x.Shape[1]);
        var dh = d / heads;
        var q = Project(layer, "q_proj", x, d);
        var k = Project(layer, "k_proj", x, d);
        var v = Project(layer, "v_proj", x, d);

        // [N, S, D] -> [N, H, S, dh]; keys go straight to [N, H, dh, S] for the score product.
        var qh = g.Transpose(GraphOps.Reshape(g, q, 0, s, heads, dh), 0, 2, 1, 3);
        var kh = g.Transpose(GraphOps.Reshape(g, k, 0, s, heads, dh), 0, 2, 3, 1);
        var vh = g.Transpose(GraphOps.Reshape(g, v, 0, s, heads, dh), 0, 2, 1, 3);
        var scores = g.Mul(g.MatMul(qh, kh), GraphOps.Scalar(g, (float)(1.0 / Math.Sqrt(dh)), "attn_scale"));
        if (!keyBias.IsNone)
        {
            scores = g.Add(scores, keyBias);
        }

        var weights = GraphOps.Softmax(g, scores, -1);
        var context = GraphOps.Reshape(g, g.Transpose(g.MatMul(weights, vh), 0, 2, 1, 3), 0, s, d);
        return layer.Linear("out_proj", Activation.Of(context, s, d), d);
    }

    /// <summary>
    /// Adds a pre-norm transformer encoder block: <c>x + Attention(LN(x))</c>, then <c>x + MLP(LN(x))</c> with a
    /// GELU MLP of width <paramref name="mlpRatio"/>·D, with dropout after the attention and the MLP.
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The block name.</param>
    /// <param name="x">The sequence, [S, D] per sample.</param>
    /// <param name="heads">The number of heads.</param>
    /// <param name="mlpRatio">The MLP width as a multiple of D.</param>
    /// <param name="dropout">The dropout probability.</param>
    /// <param name="keyBias">The additive key bias for padding, or <see cref="GraphValue.None"/>.</param>
    /// <returns>The block's output, [S, D] per sample.</returns>
    public static Activation TransformerEncoderBlock(
        this NetworkScope scope,
        string name,
        Activation x,
        int heads,
        int mlpRatio,
        double dropout,
        GraphValue keyBias)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var block = scope.Child(name);
        var g = scope.Graph;
        var attended = block.MultiHeadAttention("attn", block.LayerNorm("norm1", x), heads, keyBias);
        attended = block.Dropout(attended, dropout);
        x = x.With(g.Add(x.Value, attended.Value));

        var hidden = block.Linear("fc1", block.LayerNorm("norm2", x), x.Width * mlpRatio);
        hidden = block.Dropout(block.Gelu(hidden), dropout);
        var projected = block.Dropout(block.Linear("fc2", hidden, x.Width), dropout);
        return x.With(g.Add(x.Value, projected.Value));
    }

    private static GraphValue Project(NetworkScope layer, string name, Activation x, long d)
    {
        var projection = layer.Child(name);
        var weight = projection.Parameter("weight", [d, d], Init.XavierUniform, ParameterRole.Weight, d, 3 * d);
        var bias = projection.Parameter("bias", [d], Init.Zeros, ParameterRole.Bias);
        var g = layer.Graph;
        var flat = GraphOps.Reshape(g, x.Value, -1, d);
        return GraphOps.Reshape(g, g.Linear(flat, weight, bias), -1, x.Shape[0], d);
    }
}
