using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Layers;

/// <summary>Dropout.</summary>
public static class DropoutLayers
{
    /// <summary>
    /// Adds a training-mode <c>Dropout</c> with a seed drawn from the network's seed, and names its mask output so
    /// that the backward can use it (<c>dX = mask·dY/(1 − p)</c>). Evaluation artifacts switch the node to inference
    /// mode. A probability of 0 adds nothing.
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input.</param>
    /// <param name="probability">The probability of zeroing an element, in [0, 1).</param>
    /// <returns>The output.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0, 1).</exception>
    public static Activation Dropout(this NetworkScope scope, Activation x, double probability)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (probability is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout probability must be in [0, 1).");
        }

        if (probability == 0)
        {
            return x;
        }

        var g = scope.Graph;
        var ratio = GraphOps.Scalar(g, (float)probability, "dropout_ratio");
        var training = GraphOps.BoolScalar(g, true, "dropout_training_mode");
        var outputs = g.Node(
            "Dropout",
            [x.Value, ratio, training],
            2,
            Attr.Int("seed", scope.Network.NextDropoutSeed()));
        return x.With(outputs[0]);
    }
}
