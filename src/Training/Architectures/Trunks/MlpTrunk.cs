using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>A multilayer perceptron trunk over the flattened input.</summary>
public static class MlpTrunk
{
    /// <summary>Builds the trunk: flatten, then linear + ReLU (+ dropout) per hidden width.</summary>
    /// <param name="scope">The trunk's scope.</param>
    /// <param name="x">The input.</param>
    /// <param name="spec">The trunk options.</param>
    /// <returns>The features, [last hidden width] per sample.</returns>
    public static Activation Build(NetworkScope scope, Activation x, TrunkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(spec);
        return scope.Mlp(scope.Flatten(x), spec.Hidden, reluAfterLast: true, spec.Dropout);
    }
}
