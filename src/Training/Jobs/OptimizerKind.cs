namespace MtlOnnx.Training.Jobs;

/// <summary>The parameter update rule.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with optional momentum.</summary>
    Sgd,

    /// <summary>Adam with L2 weight decay added to the gradient.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay (PyTorch's AdamW).</summary>
    AdamW,
}
