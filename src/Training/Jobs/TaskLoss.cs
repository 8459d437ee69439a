namespace MtlOnnx.Training.Jobs;

/// <summary>The loss of a task.</summary>
public enum TaskLoss
{
    /// <summary>Softmax cross-entropy, for multiclass tasks.</summary>
    CrossEntropy,

    /// <summary>Binary cross-entropy with logits, for binary and multilabel tasks.</summary>
    BinaryCrossEntropy,

    /// <summary>Mean squared error, for regression.</summary>
    MeanSquaredError,

    /// <summary>Mean absolute error, for regression.</summary>
    L1,

    /// <summary>Huber loss (quadratic near zero, linear beyond <see cref="TaskSpec.HuberDelta"/>), for regression.</summary>
    Huber,
}
