using MtlOnnx.Training.Data;
using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// GradVac: like PCGrad, but instead of only removing conflicts it raises the cosine between each pair of task
/// gradients to a target <c>φ̂_ij</c>, an exponential moving average of the cosines observed so far.
/// </summary>
/// <remarks>
/// Whole-model granularity (LibMTL's <c>group_type</c> 0), computed on the gradient coefficients through the Gram
/// matrix as PCGrad is. For a modified gradient <c>a</c> with cosine φ to <c>g_j</c> below the target, the paper's
/// correction adds <c>|a| (φ̂ √(1−φ²) − φ √(1−φ̂²)) / (|g_j| √(1−φ̂²))</c> times <c>g_j</c>; the target
/// then moves toward the observed φ. The update is the sum of the corrected gradients.
/// </remarks>
public sealed class GradVacAggregator : IGramAggregator
{
    private readonly GradVacOptions _options;
    private readonly SeededRandom _random;
    private readonly double[,] _targets;

    /// <summary>Initializes a new <see cref="GradVacAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">Beta is outside [0, 1].</exception>
    public GradVacAggregator(int taskCount, GradVacOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new GradVacOptions();
        if (!(_options.Beta >= 0 && _options.Beta <= 1))
        {
            throw new MultitaskConfigurationException(
                $"Option 'beta' of method 'gradvac' must lie in [0, 1]; got {_options.Beta}.");
        }

        TaskCount = taskCount;
        _random = new SeededRandom((ulong)_options.Seed);
        _targets = new double[taskCount, taskCount];
    }

    /// <inheritdoc />
    public string Name => "gradvac";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        weights.Clear();
        Span<double> w = stackalloc double[t];
        Span<int> order = stackalloc int[t - 1];
        for (int i = 0; i < t; i++)
        {
            w.Clear();
            w[i] = 1;
            int count = 0;
            for (int k = 0; k < t; k++)
            {
                if (k != i)
                {
                    order[count++] = k;
                }
            }

            if (_options.Shuffle)
            {
                _random.Shuffle(order);
            }

            foreach (int j in order)
            {
                double normA = Math.Sqrt(gram.QuadraticForm(w));
                double normJ = gram.Norm(j);
                if (normA == 0 || normJ == 0)
                {
                    continue;
                }

                double phi = Math.Clamp(gram.RowDot(j, w) / (normA * normJ), -1, 1);
                double target = _targets[i, j];
                double targetSine = Math.Sqrt(1 - (target * target));
                if (phi < target && targetSine > 0)
                {
                    double sine = Math.Sqrt(1 - (phi * phi));
                    w[j] += normA * ((target * sine) - (phi * targetSine)) / (normJ * targetSine);
                }

                _targets[i, j] = ((1 - _options.Beta) * target) + (_options.Beta * phi);
            }

            for (int k = 0; k < t; k++)
            {
                weights[k] += w[k];
            }
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        _random.Reset();
        Array.Clear(_targets);
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RandomState.Save(state, "random", _random);
        var targets = new double[_targets.Length];
        Buffer.BlockCopy(_targets, 0, targets, 0, targets.Length * sizeof(double));
        state.SetDoubles("targets", targets);
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RandomState.Load(state, "random", _random);
        var targets = new double[_targets.Length];
        state.ReadDoubles("targets", targets);
        Buffer.BlockCopy(targets, 0, _targets, 0, targets.Length * sizeof(double));
    }
}
