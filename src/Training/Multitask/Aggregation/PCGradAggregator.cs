using MtlOnnx.Training.Data;
using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// PCGrad: each task gradient is projected, in random order, onto the normal plane of every original task gradient
/// it conflicts with; the update is the sum of the projected gradients.
/// </summary>
/// <remarks>
/// The projections are carried out on the coefficients of the gradients, not on the P-vectors: with
/// <c>g_i^PC = Σ_j w_j g_j</c>, the test <c>g_i^PC · g_j &lt; 0</c> is <c>(G w)_j &lt; 0</c> and the projection
/// subtracts <c>(G w)_j / G_jj</c> from <c>w_j</c>. This gives the same update as the vector form for a cost of
/// O(T³) instead of O(T² P).
/// </remarks>
public sealed class PCGradAggregator : IGramAggregator
{
    private readonly PCGradOptions _options;
    private readonly SeededRandom _random;

    /// <summary>Initializes a new <see cref="PCGradAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public PCGradAggregator(int taskCount, PCGradOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        _options = options ?? new PCGradOptions();
        _random = new SeededRandom((ulong)_options.Seed);
    }

    /// <inheritdoc />
    public string Name => "pcgrad";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        weights.Clear();
        Span<double> w = stackalloc double[t];
        Span<int> order = stackalloc int[t];
        for (int i = 0; i < t; i++)
        {
            w.Clear();
            w[i] = 1;
            for (int k = 0; k < t; k++)
            {
                order[k] = k;
            }

            if (_options.Shuffle)
            {
                _random.Shuffle(order);
            }

            foreach (int j in order)
            {
                double dot = gram.RowDot(j, w);
                double squared = gram[j, j];
                if (dot < 0 && squared > 0)
                {
                    w[j] -= dot / squared;
                }
            }

            for (int k = 0; k < t; k++)
            {
                weights[k] += w[k];
            }
        }
    }

    /// <inheritdoc />
    public void Reset() => _random.Reset();

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RandomState.Save(state, "random", _random);
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RandomState.Load(state, "random", _random);
    }
}
