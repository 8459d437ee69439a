namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Specifies how MGDA normalizes the task gradients before the min-norm problem (Sener and Koltun, 2018).
/// </summary>
public enum MgdaNormalization
{
    /// <summary>No normalization (the default).</summary>
    None,

    /// <summary>Divide each gradient by its norm.</summary>
    L2,

    /// <summary>Divide each gradient by its task loss.</summary>
    Loss,

    /// <summary>Divide each gradient by its task loss times its norm.</summary>
    LossPlus,
}
