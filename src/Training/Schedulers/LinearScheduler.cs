namespace MtlOnnx.Training.Schedulers;

/// <summary>
/// Linear warm-up from zero to the initial rate, then linear decay to zero at the last step: the schedule of ONNX
/// Runtime's <c>RegisterLinearLRScheduler</c> (and of Hugging Face's <c>get_linear_schedule_with_warmup</c>).
/// </summary>
/// <remarks>
/// The multiplier after <c>s</c> steps is <c>s / max(1, warmup)</c> while <c>s &lt; warmup</c>, then
/// <c>max(0, (total - s) / max(1, total - warmup))</c>.
/// </remarks>
public sealed class LinearScheduler : LearningRateScheduler
{
    /// <summary>The kind name in checkpoints.</summary>
    public const string KindName = "linear";

    /// <summary>Initializes the schedule.</summary>
    /// <param name="warmupSteps">The number of warm-up steps; zero or more.</param>
    /// <param name="totalSteps">The step at which the rate reaches zero; at least <paramref name="warmupSteps"/>.</param>
    /// <param name="initialLearningRate">The rate at the end of the warm-up.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or the total is below the warm-up.</exception>
    public LinearScheduler(long warmupSteps, long totalSteps, float initialLearningRate)
        : base(initialLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, warmupSteps);
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>Gets the number of warm-up steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>Gets the step at which the rate reaches zero.</summary>
    public long TotalSteps { get; }

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    public override double Multiplier(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return (double)step / Math.Max(1, WarmupSteps);
        }

        return Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }

    /// <inheritdoc />
    protected override SchedulerState Describe() => new()
    {
        Kind = KindName,
        InitialLearningRate = InitialLearningRate,
        WarmupSteps = WarmupSteps,
        TotalSteps = TotalSteps,
    };
}
