namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// What a tensor of a checkpoint holds.
/// </summary>
public enum CheckpointTensorRole
{
    /// <summary>A parameter the optimizer updates.</summary>
    Trainable,

    /// <summary>A parameter that is not trained (frozen weights, running statistics).</summary>
    Frozen,

    /// <summary>A state tensor of the optimizer, such as Adam's <c>exp_avg</c>.</summary>
    OptimizerState,
}
