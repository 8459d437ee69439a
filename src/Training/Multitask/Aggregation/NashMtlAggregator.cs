using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Nash-MTL: the weights α &gt; 0 of the Nash bargaining solution, which satisfy <c>G α = 1/α</c> elementwise:
/// every task's directional improvement <c>g_i · Σ α_j g_j</c> equals <c>1/α_i</c>.
/// </summary>
/// <remarks>
/// The paper solves this with a sequence of convex programs (cvxpy + ECOS, 20 iterations). Here it is solved exactly
/// by damped Newton steps on the strictly convex potential <c>½ αᵀGα − Σ log α_i</c>, whose stationarity condition
/// is the bargaining condition; tasks with a zero gradient get weight 0.
/// </remarks>
public sealed class NashMtlAggregator : IGramAggregator
{
    private readonly NashMtlOptions _options;
    private readonly double[] _cached;
    private int _step;

    /// <summary>Initializes a new <see cref="NashMtlAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">
    /// max_norm is negative or update_weights_every is below 1.
    /// </exception>
    public NashMtlAggregator(int taskCount, NashMtlOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new NashMtlOptions();
        if (!(_options.MaxNorm >= 0) || _options.UpdateWeightsEvery < 1)
        {
            throw new MultitaskConfigurationException(
                $"Method 'nashmtl' needs max_norm ≥ 0 and update_weights_every ≥ 1; got {_options.MaxNorm} and " +
                $"{_options.UpdateWeightsEvery}.");
        }

        TaskCount = taskCount;
        _cached = new double[taskCount];
    }

    /// <inheritdoc />
    public string Name => "nashmtl";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <summary>Gets the number of Newton iterations in the last solve.</summary>
    public int LastIterations { get; private set; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        if (_step++ % _options.UpdateWeightsEvery == 0)
        {
            Solve(gram);
        }

        _cached.CopyTo(weights);
        if (_options.MaxNorm > 0)
        {
            double norm = Math.Sqrt(gram.QuadraticForm(weights));
            if (norm > _options.MaxNorm)
            {
                for (int i = 0; i < t; i++)
                {
                    weights[i] *= _options.MaxNorm / norm;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        _step = 0;
        Array.Clear(_cached);
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.SetDoubles("weights", _cached);
        state.SetInt64("step", _step);
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReadDoubles("weights", _cached);
        _step = state.ReadCount("step");
    }

    private void Solve(GramMatrix gram)
    {
        double frobenius = Math.Sqrt(TensorSquares(gram.Values));
        if (frobenius == 0)
        {
            Array.Clear(_cached);
            LastIterations = 0;
            return;
        }

        // The solve always runs on G/|G|_F for conditioning; α for the raw G is α_n / √|G|_F.
        double[] alpha = NashSolver.Solve(gram.ToArray(1 / frobenius), out int iterations);
        LastIterations = iterations;
        double factor = _options.NormalizeGram ? 1 : 1 / Math.Sqrt(frobenius);
        for (int i = 0; i < TaskCount; i++)
        {
            _cached[i] = alpha[i] * factor;
        }
    }

    private static double TensorSquares(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (double value in values)
        {
            sum += value * value;
        }

        return sum;
    }
}
