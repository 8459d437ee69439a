namespace MtlOnnx.Training.Schedulers;

/// <summary>
/// Computes the learning rate from the number of scheduler steps taken: an initial rate times a multiplier that
/// depends only on that count, so that a scheduler restored from a checkpoint continues where it stopped.
/// </summary>
/// <remarks>
/// As in ONNX Runtime, the rate before the first <see cref="Step"/> is the multiplier at step zero (zero during a
/// warm-up), and each <see cref="Step"/> advances the count by one. The multiplier is computed in double and the
/// rate rounded to float once.
/// </remarks>
public abstract class LearningRateScheduler
{
    /// <summary>Initializes a scheduler.</summary>
    /// <param name="initialLearningRate">The rate the multipliers scale.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rate is negative or not finite.</exception>
    protected LearningRateScheduler(float initialLearningRate)
    {
        if (!float.IsFinite(initialLearningRate) || initialLearningRate < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(initialLearningRate),
                initialLearningRate,
                "The initial learning rate must be finite and not negative.");
        }

        InitialLearningRate = initialLearningRate;
    }

    /// <summary>Gets the rate the multipliers scale.</summary>
    public float InitialLearningRate { get; }

    /// <summary>Gets the number of steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>Gets the current learning rate: the initial rate times the multiplier at <see cref="StepCount"/>.</summary>
    public float LearningRate => RateAt(StepCount);

    /// <summary>Gets the name that identifies the schedule in checkpoints, for example <c>linear</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Advances the schedule by one step.</summary>
    /// <returns>The new learning rate.</returns>
    public float Step()
    {
        StepCount++;
        return LearningRate;
    }

    /// <summary>Gets the learning rate after a given number of steps, without changing the scheduler.</summary>
    /// <param name="step">The number of steps taken.</param>
    /// <returns>The learning rate.</returns>
    public float RateAt(long step) => (float)(InitialLearningRate * Multiplier(step));

    /// <summary>Computes the multiplier of the initial rate after a given number of steps.</summary>
    /// <param name="step">The number of steps taken; zero or more.</param>
    /// <returns>The multiplier.</returns>
    public abstract double Multiplier(long step);

    /// <summary>Captures the schedule and its position, for a checkpoint.</summary>
    /// <returns>The state.</returns>
    public SchedulerState GetState() => Describe() with { StepCount = StepCount };

    /// <summary>Creates a scheduler from a state captured by <see cref="GetState"/>.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The scheduler, at the captured step.</returns>
    /// <exception cref="ArgumentException">The state names an unknown schedule or has invalid values.</exception>
    public static LearningRateScheduler FromState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LearningRateScheduler scheduler = state.Kind switch
        {
            LinearScheduler.KindName => new LinearScheduler(
                state.WarmupSteps, state.TotalSteps, state.InitialLearningRate),
            CosineScheduler.KindName => new CosineScheduler(
                state.WarmupSteps, state.TotalSteps, state.InitialLearningRate, state.MinimumRatio),
            StepScheduler.KindName => new StepScheduler(state.StepSize, state.Gamma, state.InitialLearningRate),
            _ => throw new ArgumentException(
                $"Unknown learning-rate schedule '{state.Kind}'; expected 'linear', 'cosine' or 'step'.",
                nameof(state)),
        };

        ArgumentOutOfRangeException.ThrowIfNegative(state.StepCount);
        scheduler.StepCount = state.StepCount;
        return scheduler;
    }

    /// <summary>
    /// Describes the schedule's parameters; <see cref="SchedulerState.StepCount"/> is filled in by the caller.
    /// </summary>
    /// <returns>The state without the position.</returns>
    protected abstract SchedulerState Describe();
}
