namespace MtlOnnx.Training.Schedulers;

/// <summary>
/// Multiplies the rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps, as PyTorch's <c>StepLR</c> does:
/// the multiplier after <c>s</c> steps is <c>gamma ^ floor(s / step_size)</c>.
/// </summary>
public sealed class StepScheduler : LearningRateScheduler
{
    /// <summary>The kind name in checkpoints.</summary>
    public const string KindName = "step";

    /// <summary>Initializes the schedule.</summary>
    /// <param name="stepSize">The number of steps between decays; at least one.</param>
    /// <param name="gamma">The factor of each decay; positive and finite.</param>
    /// <param name="initialLearningRate">The rate before the first decay.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public StepScheduler(long stepSize, double gamma, float initialLearningRate)
        : base(initialLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        if (!double.IsFinite(gamma) || gamma <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The decay factor must be positive and finite.");
        }

        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Gets the number of steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>Gets the factor of each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    public override double Multiplier(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Math.Pow(Gamma, step / StepSize);
    }

    /// <inheritdoc />
    protected override SchedulerState Describe() => new()
    {
        Kind = KindName,
        InitialLearningRate = InitialLearningRate,
        StepSize = StepSize,
        Gamma = Gamma,
    };
}
