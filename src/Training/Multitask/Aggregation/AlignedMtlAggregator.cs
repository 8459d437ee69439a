using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Aligned-MTL: replaces the task gradients by an orthogonal system of equal magnitudes spanning the same space,
/// <c>J̃ = √σ · V Λ^{-1/2} Vᵀ J</c> from the eigendecomposition <c>G = V Λ Vᵀ</c>, which removes both conflicts and
/// dominance; the update is the preference-weighted sum of the aligned gradients.
/// </summary>
public sealed class AlignedMtlAggregator : IGramAggregator
{
    private readonly AlignedMtlOptions _options;
    private readonly double[] _preferences;

    /// <summary>Initializes a new <see cref="AlignedMtlAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The preference weights do not have T entries.</exception>
    public AlignedMtlAggregator(int taskCount, AlignedMtlOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        _options = options ?? new AlignedMtlOptions();
        _preferences = GramAlgebra.Preferences(Name, _options.PreferenceWeights, taskCount, 1.0 / taskCount);
    }

    /// <inheritdoc />
    public string Name => "alignedmtl";

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

        SymmetricEigen eigen = SymmetricEigen.Compute(g);
        double max = eigen.Values[t - 1];
        var kept = new List<int>();
        for (int k = 0; k < t; k++)
        {
            if (eigen.Values[k] > _options.RankTolerance * max)
            {
                kept.Add(k);
            }
        }

        if (kept.Count == 0)
        {
            return;
        }

        double[] retained = kept.Select(k => eigen.Values[k]).ToArray();
        double sigma = _options.ScaleMode switch
        {
            AlignedMtlScaleMode.Median => Median(retained),
            AlignedMtlScaleMode.Rmse => retained.Average(),
            _ => retained[0],
        };

        // B = √σ V_k Λ_k^{-1/2} V_kᵀ; the update weights are B times the preferences.
        double root = Math.Sqrt(sigma);
        foreach (int k in kept)
        {
            double projection = 0;
            for (int i = 0; i < t; i++)
            {
                projection += eigen.Vectors[i, k] * _preferences[i];
            }

            double factor = root * projection / Math.Sqrt(eigen.Values[k]);
            for (int i = 0; i < t; i++)
            {
                weights[i] += eigen.Vectors[i, k] * factor;
            }
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

    private static double Median(double[] sorted)
    {
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    }
}
