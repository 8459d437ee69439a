using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Uncertainty weighting: learned log-variances s_i with the objective <c>Σ_i L_i / (2 e^{s_i}) + s_i / 2</c>, so a
/// noisier task (larger irreducible loss) gets a larger variance and a smaller weight <c>1 / (2 e^{s_i})</c>.
/// </summary>
/// <remarks>
/// The log-variances live outside the graph: the trainer passes the weights as loss weights, and after the step
/// <see cref="CompleteStep"/> applies the exact gradient <c>∂J/∂s_i = ½ − L_i / (2 e^{s_i})</c> with Adam. At the
/// optimum of a task whose loss is a squared error, <c>e^{s_i}</c> equals that loss: the mean squared residual.
/// </remarks>
public sealed class UncertaintyWeighting : ILossWeighting
{
    private readonly UncertaintyWeightingOptions _options;
    private readonly double[] _logVariances;
    private readonly SmallAdam _adam;

    /// <summary>Initializes a new <see cref="UncertaintyWeighting"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The learning rate is not positive.</exception>
    public UncertaintyWeighting(int taskCount, UncertaintyWeightingOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new UncertaintyWeightingOptions();
        if (!(_options.LearningRate > 0))
        {
            throw new MultitaskConfigurationException(
                $"Option 'learning_rate' of method 'uw' must be positive; got {_options.LearningRate}.");
        }

        TaskCount = taskCount;
        _logVariances = new double[taskCount];
        _adam = new SmallAdam(taskCount, _options.LearningRate);
        Reset();
    }

    /// <inheritdoc />
    public string Name => "uw";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public bool UsesCurrentLosses => false;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => false;

    /// <summary>Gets the current log-variances s.</summary>
    public ReadOnlySpan<double> LogVariances => _logVariances;

    /// <summary>
    /// Computes the full objective <c>Σ L_i / (2 e^{s_i}) + s_i / 2</c> at the current log-variances.
    /// </summary>
    /// <param name="losses">The task losses.</param>
    /// <returns>The objective.</returns>
    public double Objective(ReadOnlySpan<float> losses)
    {
        double sum = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            sum += (losses[i] * 0.5 * Math.Exp(-_logVariances[i])) + (0.5 * _logVariances[i]);
        }

        return sum;
    }

    /// <summary>Writes the gradient of <see cref="Objective"/> with respect to the log-variances.</summary>
    /// <param name="losses">The task losses.</param>
    /// <param name="gradient">The T partial derivatives to write.</param>
    public void Gradient(ReadOnlySpan<float> losses, Span<double> gradient)
    {
        for (int i = 0; i < TaskCount; i++)
        {
            gradient[i] = 0.5 - (losses[i] * 0.5 * Math.Exp(-_logVariances[i]));
        }
    }

    /// <inheritdoc />
    public void GetWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        for (int i = 0; i < TaskCount; i++)
        {
            weights[i] = (float)(0.5 * Math.Exp(-_logVariances[i]));
        }
    }

    /// <inheritdoc />
    public void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep)
    {
        Span<double> gradient = stackalloc double[TaskCount];
        Gradient(losses, gradient);
        _adam.Step(_logVariances, gradient);
    }

    /// <inheritdoc />
    public void CompleteEpoch()
    {
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Fill(_logVariances, _options.InitialLogVariance);
        _adam.Reset();
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.SetDoubles("log_variances", _logVariances);
        _adam.Save(state, "adam");
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReadDoubles("log_variances", _logVariances);
        _adam.Load(state, "adam");
    }
}
