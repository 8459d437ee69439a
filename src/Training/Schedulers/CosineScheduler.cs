namespace MtlOnnx.Training.Schedulers;

/// <summary>
/// Linear warm-up from zero to the initial rate, then half a cosine down to a minimum at the last step
/// (Hugging Face's <c>get_cosine_schedule_with_warmup</c> with one half-cycle, plus an optional floor).
/// </summary>
/// <remarks>
/// After the warm-up the multiplier is <c>m + (1 - m) · (1 + cos(π · p)) / 2</c>, where
/// <c>p = min(1, (s - warmup) / max(1, total - warmup))</c> and <c>m</c> is <see cref="MinimumRatio"/>.
/// </remarks>
public sealed class CosineScheduler : LearningRateScheduler
{
    /// <summary>The kind name in checkpoints.</summary>
    public const string KindName = "cosine";

    /// <summary>Initializes the schedule.</summary>
    /// <param name="warmupSteps">The number of warm-up steps; zero or more.</param>
    /// <param name="totalSteps">The step at which the minimum is reached; at least <paramref name="warmupSteps"/>.</param>
    /// <param name="initialLearningRate">The rate at the end of the warm-up.</param>
    /// <param name="minimumRatio">The final rate as a fraction of the initial rate, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public CosineScheduler(long warmupSteps, long totalSteps, float initialLearningRate, double minimumRatio = 0)
        : base(initialLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, warmupSteps);
        if (minimumRatio is < 0 or > 1 || double.IsNaN(minimumRatio))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumRatio), minimumRatio, "The ratio must be in [0, 1].");
        }

        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        MinimumRatio = minimumRatio;
    }

    /// <summary>Gets the number of warm-up steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>Gets the step at which the minimum is reached.</summary>
    public long TotalSteps { get; }

    /// <summary>Gets the final rate as a fraction of the initial rate.</summary>
    public double MinimumRatio { get; }

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

        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps));
        return MinimumRatio + ((1 - MinimumRatio) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <inheritdoc />
    protected override SchedulerState Describe() => new()
    {
        Kind = KindName,
        InitialLearningRate = InitialLearningRate,
        WarmupSteps = WarmupSteps,
        TotalSteps = TotalSteps,
        MinimumRatio = MinimumRatio,
    };
}
