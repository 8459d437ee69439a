using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>
/// A small residual network: a 3×3 stem, stages of basic blocks (two 3×3 convolutions with batch normalisation and
/// an identity or 1×1 projection shortcut; each stage after the first halves the resolution), global average pooling.
/// </summary>
public static class ResNetTrunk
{
    /// <summary>Builds the trunk.</summary>
    /// <param name="scope">The trunk's scope.</param>
    /// <param name="x">The image, [C, H, W].</param>
    /// <param name="spec">The trunk options (channels per stage, blocks per stage).</param>
    /// <returns>The features, [last stage's channels] per sample.</returns>
    public static Activation Build(NetworkScope scope, Activation x, TrunkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(spec);
        var stages = spec.Channels.Count > 0 ? spec.Channels : [16, 32, 64];
        x = scope.Relu(scope.BatchNorm("bn1", scope.Conv2d("conv1", x, stages[0], 3, padding: 1, bias: false)));
        for (var stage = 0; stage < stages.Count; stage++)
        {
            for (var block = 0; block < spec.BlocksPerStage; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                x = BasicBlock(scope.Child($"layer{stage + 1}").Child(block.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    x, stages[stage], stride);
            }
        }

        return scope.GlobalAvgPool(x);
    }

    private static Activation BasicBlock(NetworkScope scope, Activation x, int channels, int stride)
    {
        var y = scope.Relu(scope.BatchNorm("bn1", scope.Conv2d("conv1", x, channels, 3, stride, 1, bias: false)));
        y = scope.BatchNorm("bn2", scope.Conv2d("conv2", y, channels, 3, 1, 1, bias: false));
        var shortcut = x;
        if (stride != 1 || x.Shape[0] != channels)
        {
            var downsample = scope.Child("downsample");
            shortcut = downsample.BatchNorm("1", downsample.Conv2d("0", x, channels, 1, stride, 0, bias: false));
        }

        return scope.Relu(y.With(scope.Graph.Add(y.Value, shortcut.Value)));
    }
}
