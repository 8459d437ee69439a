namespace MtlOnnx.Training.Artifacts;

/// <summary>
/// How a loss of a training artifact is obtained.
/// </summary>
public enum LossKind
{
    /// <summary>The forward graph already computes the scalar loss tensor.</summary>
    Existing,

    /// <summary>Softmax cross-entropy of [N, C] logits against int64 [N] class labels, averaged over the batch.</summary>
    CrossEntropy,

    /// <summary>Mean squared error of predictions against float targets of the same shape.</summary>
    MeanSquaredError,
}
