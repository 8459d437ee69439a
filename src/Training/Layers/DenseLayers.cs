using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Layers;

/// <summary>Fully connected layers and pointwise activations.</summary>
public static class DenseLayers
{
    /// <summary>
    /// Adds a linear layer <c>y = x·Wᵀ + b</c> over the last dimension, with PyTorch's layout ([out, in]) and
    /// initialisation (uniform on ±1/√in). Inputs of rank 2 per sample are flattened around one <c>Gemm</c>.
    /// </summary>
    /// <param name="scope">The scope the layer's parameters are named in.</param>
    /// <param name="name">The layer name, for example <c>fc1</c>.</param>
    /// <param name="x">The input, [F] or [S, F] per sample.</param>
    /// <param name="outFeatures">The output width.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="init">The weight initialisation; bias initialisation follows PyTorch either way.</param>
    /// <returns>The output, [out] or [S, out] per sample.</returns>
    /// <exception cref="ArgumentException">The input has rank 0 or above 2 per sample.</exception>
    public static Activation Linear(
        this NetworkScope scope,
        string name,
        Activation x,
        long outFeatures,
        bool bias = true,
        Init init = Init.FanInUniform)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        if (x.Rank is < 1 or > 2)
        {
            throw new ArgumentException(
                $"Linear layer '{scope.NameOf(name)}' takes inputs of rank 1 or 2 per sample, but got [{string.Join(", ", x.Shape)}].",
                nameof(x));
        }

        var layer = scope.Child(name);
        var inFeatures = x.Width;
        var weight = layer.Parameter("weight", [outFeatures, inFeatures], init, ParameterRole.Weight, inFeatures, outFeatures);
        var b = bias
            ? layer.Parameter("bias", [outFeatures], Init.FanInUniform, ParameterRole.Bias, inFeatures)
            : scope.Graph.AddInitializer(GraphOps.FreshName(scope.Graph, layer.NameOf("zero_bias")), [outFeatures], new float[outFeatures]);
        var g = scope.Graph;
        if (x.Rank == 1)
        {
            return Activation.Of(g.Linear(x.Value, weight, b), outFeatures);
        }

        var sequence = x.Shape[0];
        var flat = GraphOps.Reshape(g, x.Value, -1, inFeatures);
        var y = g.Linear(flat, weight, b);
        return Activation.Of(GraphOps.Reshape(g, y, -1, sequence, outFeatures), sequence, outFeatures);
    }

    /// <summary>Adds <c>Relu</c>.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input.</param>
    /// <returns>The rectified input.</returns>
    public static Activation Relu(this NetworkScope scope, Activation x)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return x.With(scope.Graph.Relu(x.Value));
    }

    /// <summary>
    /// Adds the exact GELU, <c>0.5·x·(1 + erf(x/√2))</c>: the <c>Gelu</c> operator from opset 20, the <c>Erf</c>
    /// form (as PyTorch exports it) below.
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input.</param>
    /// <returns>The activation.</returns>
    public static Activation Gelu(this NetworkScope scope, Activation x)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var g = scope.Graph;
        if (g.Opset >= 20)
        {
            return x.With(g.Node("Gelu", [x.Value]));
        }

        var scaled = g.Mul(x.Value, GraphOps.Scalar(g, (float)(1.0 / Math.Sqrt(2.0)), "gelu_inv_sqrt2"));
        var erf = g.Node("Erf", [scaled]);
        var onePlus = g.Add(erf, GraphOps.Scalar(g, 1f, "gelu_one"));
        var half = g.Mul(x.Value, GraphOps.Scalar(g, 0.5f, "gelu_half"));
        return x.With(g.Mul(half, onePlus));
    }

    /// <summary>Flattens each sample to a vector.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input.</param>
    /// <returns>The input as [size] per sample.</returns>
    public static Activation Flatten(this NetworkScope scope, Activation x)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (x.Rank == 1)
        {
            return x;
        }

        return Activation.Of(scope.Graph.Node("Flatten", [x.Value], Attr.Int("axis", 1)), x.Size);
    }

    /// <summary>Adds a stack of linear layers with ReLU between them (and after the last, when asked).</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input vector.</param>
    /// <param name="widths">The widths of the layers.</param>
    /// <param name="reluAfterLast">Whether the last layer is followed by ReLU too.</param>
    /// <param name="dropout">The dropout probability after each ReLU.</param>
    /// <param name="namePrefix">The layer name prefix; layers are named <c>PREFIX1</c>, <c>PREFIX2</c>, ...</param>
    /// <returns>The output.</returns>
    public static Activation Mlp(
        this NetworkScope scope,
        Activation x,
        IReadOnlyList<int> widths,
        bool reluAfterLast,
        double dropout = 0,
        string namePrefix = "fc")
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(widths);
        for (var i = 0; i < widths.Count; i++)
        {
            x = scope.Linear($"{namePrefix}{i + 1}", x, widths[i]);
            if (i < widths.Count - 1 || reluAfterLast)
            {
                x = scope.Relu(x);
                x = scope.Dropout(x, dropout);
            }
        }

        return x;
    }
}
