using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// GradNorm: weights <c>W = T · softmax(ω)</c> on the task gradients, where ω follows the gradient of
/// <c>Σ_i |W_i |g_i| − mean_j(W_j |g_j|) · r_i^α|</c> (the target held constant), with the relative inverse training
/// rate <c>r_i = (L_i / L_i(0)) / mean_j(L_j / L_j(0))</c> and L(0) the losses of the first step.
/// </summary>
/// <remarks>
/// A Gram aggregator because it only needs the norms |g_i|, the square roots of the Gram diagonal; the trainer may
/// pass the gradients of the last shared layer only, as the paper does. Each task head is scaled by its weight.
/// </remarks>
public sealed class GradNormAggregator : IGramAggregator, IHeadWeights
{
    private readonly GradNormOptions _options;
    private readonly double[] _logits;
    private readonly double[] _current;
    private readonly SmallAdam _adam;
    private double[]? _initialLosses;

    /// <summary>Initializes a new <see cref="GradNormAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">
    /// The learning rate is not positive or α is negative.
    /// </exception>
    public GradNormAggregator(int taskCount, GradNormOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new GradNormOptions();
        if (!(_options.LearningRate > 0) || !(_options.Alpha >= 0))
        {
            throw new MultitaskConfigurationException(
                $"Method 'gradnorm' needs learning_rate > 0 and alpha ≥ 0; got {_options.LearningRate} and " +
                $"{_options.Alpha}.");
        }

        TaskCount = taskCount;
        _logits = new double[taskCount];
        _current = new double[taskCount];
        Array.Fill(_current, 1.0);
        _adam = new SmallAdam(taskCount, _options.LearningRate);
    }

    /// <inheritdoc />
    public string Name => "gradnorm";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        ArgumentNullException.ThrowIfNull(gram);
        int t = TaskCount;
        if (losses.Length != t)
        {
            throw new ArgumentException($"GradNorm needs the {t} task losses; {losses.Length} were given.", nameof(losses));
        }

        _initialLosses ??= losses.ToArray().Select(l => (double)l).ToArray();
        Span<double> s = stackalloc double[t];
        Famo.Softmax(_logits, s);
        for (int i = 0; i < t; i++)
        {
            _current[i] = t * s[i];
        }

        _current.CopyTo(weights);

        // Balance loss and its gradient in ω: ∂W_i/∂ω_k = W_i (δ_ik − s_k).
        Span<double> weightedNorm = stackalloc double[t];
        Span<double> ratio = stackalloc double[t];
        double meanNorm = 0;
        double meanRatio = 0;
        for (int i = 0; i < t; i++)
        {
            weightedNorm[i] = _current[i] * gram.Norm(i);
            meanNorm += weightedNorm[i] / t;
            ratio[i] = _initialLosses[i] > 0 ? losses[i] / _initialLosses[i] : 1;
            meanRatio += ratio[i] / t;
        }

        Span<double> gradient = stackalloc double[t];
        for (int i = 0; i < t; i++)
        {
            double target = meanNorm * Math.Pow(meanRatio > 0 ? ratio[i] / meanRatio : 1, _options.Alpha);
            double sign = Math.Sign(weightedNorm[i] - target);
            for (int k = 0; k < t; k++)
            {
                gradient[k] += sign * weightedNorm[i] * ((i == k ? 1 : 0) - s[k]);
            }
        }

        _adam.Step(_logits, gradient);
    }

    /// <inheritdoc />
    public void GetHeadWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        for (int i = 0; i < TaskCount; i++)
        {
            weights[i] = (float)_current[i];
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_logits);
        Array.Fill(_current, 1.0);
        _adam.Reset();
        _initialLosses = null;
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.SetDoubles("logits", _logits);
        state.SetDoubles("weights", _current);
        state.SetDoubles("initial_losses", _initialLosses ?? []);
        _adam.Save(state, "adam");
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReadDoubles("logits", _logits);
        state.ReadDoubles("weights", _current);
        _initialLosses = state.LengthOfDoubles("initial_losses") == 0 ? null : new double[TaskCount];
        if (_initialLosses is not null)
        {
            state.ReadDoubles("initial_losses", _initialLosses);
        }

        _adam.Load(state, "adam");
    }
}
