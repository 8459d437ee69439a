using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Layers;

/// <summary>Batch and layer normalisation.</summary>
public static class NormalizationLayers
{
    /// <summary>
    /// Adds a training-mode <c>BatchNormalization</c> over the channel axis (the first per-sample axis): batch
    /// statistics in the forward pass, running statistics updated with PyTorch's momentum 0.1 (ONNX momentum 0.9)
    /// and recorded as buffers whose updated values are the node's second and third outputs. Evaluation artifacts
    /// switch the node to inference mode, which reads the running statistics.
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The layer name.</param>
    /// <param name="x">The input, [C, ...] per sample.</param>
    /// <param name="epsilon">The variance epsilon.</param>
    /// <returns>The normalised input.</returns>
    public static Activation BatchNorm(this NetworkScope scope, string name, Activation x, float epsilon = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var layer = scope.Child(name);
        var channels = x.Shape[0];
        var weight = layer.Parameter("weight", [channels], Init.Ones, ParameterRole.Norm);
        var bias = layer.Parameter("bias", [channels], Init.Zeros, ParameterRole.Norm);
        var mean = layer.Parameter("running_mean", [channels], Init.Zeros, ParameterRole.Buffer);
        var variance = layer.Parameter("running_var", [channels], Init.Ones, ParameterRole.Buffer);
        var g = scope.Graph;
        var y = GraphOps.FreshName(g, layer.NameOf("out"));
        var newMean = GraphOps.FreshName(g, layer.NameOf("running_mean_out"));
        var newVariance = GraphOps.FreshName(g, layer.NameOf("running_var_out"));
        g.NewNode(
            "BatchNormalization",
            [x.Value.Name, weight.Name, bias.Name, mean.Name, variance.Name],
            [y, newMean, newVariance],
            GraphOps.FreshName(g, layer.NameOf("BatchNormalization")),
            string.Empty,
            Attr.Float("epsilon", epsilon),
            Attr.Float("momentum", 0.9f),
            Attr.Int("training_mode", 1));
        scope.Network.AddBufferUpdate(mean.Name, newMean);
        scope.Network.AddBufferUpdate(variance.Name, newVariance);
        return x.With(new GraphValue(y));
    }

    /// <summary>Adds <c>LayerNormalization</c> over the last axis, with a learned scale (ones) and shift (zeros).</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The layer name.</param>
    /// <param name="x">The input.</param>
    /// <param name="epsilon">The variance epsilon.</param>
    /// <returns>The normalised input.</returns>
    public static Activation LayerNorm(this NetworkScope scope, string name, Activation x, float epsilon = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var layer = scope.Child(name);
        var width = x.Width;
        var weight = layer.Parameter("weight", [width], Init.Ones, ParameterRole.Norm);
        var bias = layer.Parameter("bias", [width], Init.Zeros, ParameterRole.Norm);
        var y = scope.Graph.Node(
            "LayerNormalization",
            [x.Value, weight, bias],
            Attr.Int("axis", -1),
            Attr.Float("epsilon", epsilon));
        return x.With(y);
    }
}
