namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// The update rules MtlOnnx implements, each following the conventions of its <c>torch.optim</c> namesake.
/// </summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 decay.</summary>
    Sgd,

    /// <summary>Adam with bias correction; weight decay is added to the gradient (L2 regularisation).</summary>
    Adam,

    /// <summary>
    /// Adam with decoupled weight decay: parameters shrink by <c>lr · weight_decay</c> before the update.
    /// </summary>
    AdamW,
}
