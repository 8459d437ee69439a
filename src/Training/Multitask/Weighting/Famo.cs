using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// FAMO: minimizes <c>Σ z_i log(L_i − m_i) / c</c> with <c>z = softmax(ξ)</c> and <c>c = Σ z_i / (L_i − m_i)</c>,
/// which weights the losses by <c>z_i / (c (L_i − m_i))</c>; after each step the logits ξ follow, with Adam, the
/// softmax-Jacobian product of the decrease of the log-losses, so that all tasks improve at the same rate.
/// </summary>
/// <remarks>Needs the losses of the same batch after the update (<see cref="RequiresLossesAfterStep"/>).</remarks>
public sealed class Famo : ILossWeighting
{
    private const double Epsilon = 1e-8;

    private readonly double[] _logits;
    private readonly double[] _minLosses;
    private readonly SmallAdam _adam;

    /// <summary>Initializes a new <see cref="Famo"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">An option is out of range.</exception>
    public Famo(int taskCount, FamoOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        options ??= new FamoOptions();
        if (!(options.WLr > 0) || !(options.WGamma >= 0))
        {
            throw new MultitaskConfigurationException(
                $"Method 'famo' needs w_lr > 0 and w_gamma ≥ 0; got {options.WLr} and {options.WGamma}.");
        }

        if (options.MinLosses is { } min && min.Length != taskCount)
        {
            throw new MultitaskConfigurationException(
                $"Method 'famo' was given {min.Length} min_losses for {taskCount} tasks.");
        }

        TaskCount = taskCount;
        _logits = new double[taskCount];
        _minLosses = options.MinLosses is null ? new double[taskCount] : (double[])options.MinLosses.Clone();
        _adam = new SmallAdam(taskCount, options.WLr, options.WGamma);
    }

    /// <inheritdoc />
    public string Name => "famo";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public bool UsesCurrentLosses => true;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => true;

    /// <summary>Gets the current weight logits ξ.</summary>
    public ReadOnlySpan<double> Logits => _logits;

    /// <inheritdoc />
    public void GetWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        Span<double> z = stackalloc double[TaskCount];
        Softmax(_logits, z);
        double c = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            c += z[i] / Shifted(losses, i);
        }

        for (int i = 0; i < TaskCount; i++)
        {
            weights[i] = (float)(z[i] / (c * Shifted(losses, i)));
        }
    }

    /// <inheritdoc />
    public void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep)
    {
        if (lossesAfterStep.Length != TaskCount)
        {
            throw new ArgumentException(
                $"FAMO needs the {TaskCount} losses of the batch after the update; {lossesAfterStep.Length} were given.",
                nameof(lossesAfterStep));
        }

        // δ_i = log(L_i − m_i) − log(L_i⁺ − m_i); the logit gradient is the softmax Jacobian times δ.
        Span<double> z = stackalloc double[TaskCount];
        Span<double> gradient = stackalloc double[TaskCount];
        Softmax(_logits, z);
        double weighted = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            gradient[i] = Math.Log(Shifted(losses, i)) - Math.Log(Shifted(lossesAfterStep, i));
            weighted += z[i] * gradient[i];
        }

        for (int i = 0; i < TaskCount; i++)
        {
            gradient[i] = z[i] * (gradient[i] - weighted);
        }

        _adam.Step(_logits, gradient);
    }

    /// <inheritdoc />
    public void CompleteEpoch()
    {
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_logits);
        _adam.Reset();
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.SetDoubles("logits", _logits);
        _adam.Save(state, "adam");
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReadDoubles("logits", _logits);
        _adam.Load(state, "adam");
    }

    internal static void Softmax(ReadOnlySpan<double> logits, Span<double> result)
    {
        double max = double.NegativeInfinity;
        foreach (double value in logits)
        {
            max = Math.Max(max, value);
        }

        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            result[i] = Math.Exp(logits[i] - max);
            sum += result[i];
        }

        for (int i = 0; i < logits.Length; i++)
        {
            result[i] /= sum;
        }
    }

    private double Shifted(ReadOnlySpan<float> losses, int i) => losses[i] - _minLosses[i] + Epsilon;
}
