namespace MtlOnnx.Training.Schedulers;

/// <summary>
/// The serialisable state of a built-in learning-rate scheduler: its kind, its parameters and how many steps it
/// has taken. Parameters a kind does not use are zero.
/// </summary>
public sealed record SchedulerState
{
    /// <summary>Gets the schedule's kind: <c>linear</c>, <c>cosine</c> or <c>step</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the initial learning rate.</summary>
    public float InitialLearningRate { get; init; }

    /// <summary>Gets the number of warm-up steps (linear and cosine).</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Gets the total number of steps (linear and cosine).</summary>
    public long TotalSteps { get; init; }

    /// <summary>Gets the final rate as a fraction of the initial rate (cosine).</summary>
    public double MinimumRatio { get; init; }

    /// <summary>Gets the number of steps between decays (step).</summary>
    public long StepSize { get; init; }

    /// <summary>Gets the factor of each decay (step).</summary>
    public double Gamma { get; init; }

    /// <summary>Gets the number of steps taken.</summary>
    public long StepCount { get; init; }
}
