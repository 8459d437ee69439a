using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>
/// The LeNet of the Multi-MNIST and Multi-Fashion benchmarks: conv (10, 9×9), max-pool 2, ReLU, conv (20, 5×5),
/// max-pool 2, ReLU, linear to 50, ReLU. On a 36×36 input the flattened size is 500.
/// </summary>
public static class LeNetTrunk
{
    /// <summary>Builds the trunk.</summary>
    /// <param name="scope">The trunk's scope.</param>
    /// <param name="x">The image, [C, H, W].</param>
    /// <param name="spec">The trunk options (channels, kernels, features, dropout).</param>
    /// <returns>The features, [features] per sample.</returns>
    public static Activation Build(NetworkScope scope, Activation x, TrunkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(spec);
        var channels = spec.Channels.Count == 2 ? spec.Channels : [10, 20];
        var kernels = spec.Kernels.Count == 2 ? spec.Kernels : [9, 5];

        // Pooling before ReLU gives the same values as after (both are monotone) on a quarter of the elements.
        x = scope.Relu(scope.MaxPool2d(scope.Conv2d("conv1", x, channels[0], kernels[0]), 2));
        x = scope.Relu(scope.MaxPool2d(scope.Conv2d("conv2", x, channels[1], kernels[1]), 2));
        x = scope.Dropout(scope.Flatten(x), spec.Dropout);
        return scope.Relu(scope.Linear("fc", x, spec.Features));
    }
}
