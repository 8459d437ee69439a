using System.Numerics.Tensors;
using MtlOnnx.Training.Multitask.Aggregation;

namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// DB-MTL: balances loss scales by differentiating log L_i (the gradient g_i / L_i) and gradient scales by keeping an
/// exponential moving average b_i of those gradients and summing <c>(max_j |b_j| / |b_i|) · b_i</c>.
/// </summary>
/// <remarks>
/// The moving averages are P-long buffers per task, so this is a coordinate aggregator; it holds T × P floats of
/// state. Each task head receives the gradient of log L_i, that is its own gradient scaled by 1 / L_i.
/// </remarks>
public sealed class DbMtlAggregator : ICoordinateAggregator, IHeadWeights
{
    private const float Epsilon = 1e-8f;

    private readonly DbMtlOptions _options;
    private float[][] _buffers = [];
    private int _step;

    /// <summary>Initializes a new <see cref="DbMtlAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">β is outside [0, 1] or σ is negative.</exception>
    public DbMtlAggregator(int taskCount, DbMtlOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new DbMtlOptions();
        if (!(_options.Beta >= 0 && _options.Beta <= 1) || !(_options.BetaSigma >= 0))
        {
            throw new MultitaskConfigurationException(
                $"Method 'dbmtl' needs beta in [0, 1] and beta_sigma ≥ 0; got {_options.Beta} and {_options.BetaSigma}.");
        }

        TaskCount = taskCount;
    }

    /// <inheritdoc />
    public string Name => "dbmtl";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void Aggregate(GradientMatrix gradients, ReadOnlySpan<float> losses, Span<float> update)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        int t = TaskCount;
        if (losses.Length != t)
        {
            throw new ArgumentException($"DB-MTL needs the {t} task losses; {losses.Length} were given.", nameof(losses));
        }

        if (_buffers.Length == 0 || _buffers[0].Length != gradients.Length)
        {
            _buffers = Enumerable.Range(0, t).Select(_ => new float[gradients.Length]).ToArray();
        }

        _step++;
        float beta = (float)(_options.Beta / Math.Pow(_step, _options.BetaSigma));
        var norms = new double[t];
        double maxNorm = 0;
        for (int i = 0; i < t; i++)
        {
            // b ← g/L + β (b − g/L) = (1 − β) g/L + β b.
            float scale = (1 - beta) / (losses[i] + Epsilon);
            TensorPrimitives.Multiply(_buffers[i], beta, _buffers[i]);
            TensorPrimitives.MultiplyAdd(gradients.Row(i), scale, _buffers[i], _buffers[i]);
            norms[i] = Math.Sqrt(GradientMatrix.DotDouble(_buffers[i], _buffers[i]));
            maxNorm = Math.Max(maxNorm, norms[i]);
        }

        update.Clear();
        for (int i = 0; i < t; i++)
        {
            if (norms[i] > 0)
            {
                TensorPrimitives.MultiplyAdd(_buffers[i], (float)(maxNorm / norms[i]), update, update);
            }
        }
    }

    /// <inheritdoc />
    public void GetHeadWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        for (int i = 0; i < TaskCount; i++)
        {
            weights[i] = 1 / (losses[i] + Epsilon);
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        _buffers = [];
        _step = 0;
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.SetInt64("step", _step);
        state.SetInt64("length", _buffers.Length == 0 ? 0 : _buffers[0].Length);
        for (int i = 0; i < _buffers.Length; i++)
        {
            state.SetFloats(BufferField(i), _buffers[i]);
        }
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _step = state.ReadCount("step");
        int length = state.ReadCount("length");
        _buffers = length == 0 ? [] : Enumerable.Range(0, TaskCount).Select(_ => new float[length]).ToArray();
        for (int i = 0; i < _buffers.Length; i++)
        {
            state.ReadFloats(BufferField(i), _buffers[i]);
        }
    }

    private static string BufferField(int task) =>
        "buffer." + task.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
