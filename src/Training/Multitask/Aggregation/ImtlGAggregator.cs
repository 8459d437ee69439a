using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// IMTL-G: the combination Σ α_i g_i with Σ α_i = 1 whose projections on every unit task gradient are equal, so no
/// task is favoured. In Gram form the weights are proportional to <c>G⁺ d</c> with <c>d_i = |g_i|</c>.
/// </summary>
public sealed class ImtlGAggregator : IGramAggregator
{
    private readonly ImtlGOptions _options;

    /// <summary>Initializes a new <see cref="ImtlGAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public ImtlGAggregator(int taskCount, ImtlGOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        _options = options ?? new ImtlGOptions();
    }

    /// <inheritdoc />
    public string Name => "imtlg";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        weights.Clear();
        double[,] g = GramAlgebra.Normalized(gram, out double scale);
        if (scale <= 0)
        {
            return;
        }

        var d = new double[t];
        for (int i = 0; i < t; i++)
        {
            d[i] = Math.Sqrt(Math.Max(g[i, i], 0));
        }

        double[] v = SymmetricEigen.Compute(g).PseudoInverseApply(d, _options.RankTolerance);
        double sum = 0;
        foreach (double value in v)
        {
            sum += value;
        }

        // A vanishing sum means no affine combination has equal projections; like torchjd, return zero.
        if (Math.Abs(sum) < 1e-12)
        {
            return;
        }

        for (int i = 0; i < t; i++)
        {
            weights[i] = v[i] / sum;
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
    }

    /// <inheritdoc />
    public void SaveState(MethodState state) => ArgumentNullException.ThrowIfNull(state);

    /// <inheritdoc />
    public void LoadState(MethodState state) => ArgumentNullException.ThrowIfNull(state);
}
