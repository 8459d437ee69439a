using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// ConFIG: the unit direction whose projections on the unit task gradients are proportional to the preferences
/// (<c>pinv(Ûᵀ) w</c>, normalized), scaled by the sum of the task gradients' projections on it.
/// </summary>
/// <remarks>
/// With unit gradients <c>û_i = g_i/|g_i|</c> and their Gram matrix <c>Ĝ</c>, the pseudo-inverse direction is
/// <c>Σ α_i û_i</c> with <c>α = Ĝ⁺ w</c>, so the method is exact in Gram form. Zero gradients are left out.
/// </remarks>
public sealed class ConFigAggregator : IGramAggregator
{
    private readonly ConFigOptions _options;
    private readonly double[] _preferences;

    /// <summary>Initializes a new <see cref="ConFigAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The preference weights do not have T entries.</exception>
    public ConFigAggregator(int taskCount, ConFigOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        _options = options ?? new ConFigOptions();
        _preferences = GramAlgebra.Preferences(Name, _options.PreferenceWeights, taskCount, 1.0);
    }

    /// <inheritdoc />
    public string Name => "config";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        weights.Clear();
        double maxNorm = 0;
        var norms = new double[t];
        for (int i = 0; i < t; i++)
        {
            norms[i] = gram.Norm(i);
            maxNorm = Math.Max(maxNorm, norms[i]);
        }

        var active = new List<int>();
        for (int i = 0; i < t; i++)
        {
            if (norms[i] > 1e-15 * maxNorm)
            {
                active.Add(i);
            }
        }

        int m = active.Count;
        if (m == 0)
        {
            return;
        }

        var unit = new double[m, m];
        var w = new double[m];
        for (int a = 0; a < m; a++)
        {
            w[a] = _preferences[active[a]];
            for (int b = 0; b < m; b++)
            {
                unit[a, b] = gram[active[a], active[b]] / (norms[active[a]] * norms[active[b]]);
            }
        }

        double[] alpha = SymmetricEigen.Compute(unit).PseudoInverseApply(w, _options.RankTolerance);
        double directionSquared = 0;
        for (int a = 0; a < m; a++)
        {
            directionSquared += alpha[a] * SimplexQpSolver.RowDot(unit, a, alpha);
        }

        double directionNorm = Math.Sqrt(Math.Max(directionSquared, 0));
        if (directionNorm == 0)
        {
            return;
        }

        // Coefficients of the unit direction on the raw gradients, then its length Σ_j g_j · direction.
        var coefficients = new double[t];
        for (int a = 0; a < m; a++)
        {
            coefficients[active[a]] = alpha[a] / (norms[active[a]] * directionNorm);
        }

        double length = 0;
        for (int j = 0; j < t; j++)
        {
            length += gram.RowDot(j, coefficients);
        }

        for (int i = 0; i < t; i++)
        {
            weights[i] = length * coefficients[i];
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
