namespace MtlOnnx.Training.Jobs;

/// <summary>The learning-rate schedule over the run.</summary>
public enum ScheduleKind
{
    /// <summary>The learning rate stays fixed after the warm-up.</summary>
    Constant,

    /// <summary>Linear warm-up, then linear decay to the minimum at the last step.</summary>
    Linear,

    /// <summary>Linear warm-up, then cosine decay to the minimum at the last step.</summary>
    Cosine,

    /// <summary>Multiply the learning rate by a factor every few epochs.</summary>
    Step,
}
