namespace MtlOnnx.Training.Multitask;

/// <summary>Specifies which per-task gradients a multi-task method needs from the trainer.</summary>
public enum GradientSource
{
    /// <summary>No per-task gradients: the method only weights the losses, and one backward pass suffices.</summary>
    None,

    /// <summary>Exact per-task gradients of the shared parameters (one backward through the trunk per task).</summary>
    SharedParameters,

    /// <summary>
    /// Per-task gradients of the shared representation (the MGDA-UB shortcut); the trainer back-propagates the
    /// aggregated representation gradient through the trunk once.
    /// </summary>
    Representation,
}
