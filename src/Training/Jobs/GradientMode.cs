namespace MtlOnnx.Training.Jobs;

/// <summary>How per-task gradients of the shared parameters are obtained when a gradient method needs them.</summary>
public enum GradientMode
{
    /// <summary>One backward pass through the trunk per task: the exact per-task gradients.</summary>
    Exact,

    /// <summary>Gradients with respect to the shared representation only (the MGDA-UB shortcut).</summary>
    Representation,
}
