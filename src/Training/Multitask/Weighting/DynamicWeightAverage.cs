namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Dynamic weight average: weights <c>T · softmax(r / temperature)</c>, where <c>r_i = L̄_i(e−1) / L̄_i(e−2)</c> is
/// the ratio of the task's mean training loss over the last two epochs; a task whose loss falls slowly gains weight.
/// The first two epochs use weight 1.
/// </summary>
public sealed class DynamicWeightAverage : ILossWeighting
{
    private readonly DynamicWeightAverageOptions _options;
    private readonly double[] _sums;
    private readonly List<double[]> _epochMeans = [];
    private readonly float[] _weights;
    private int _count;

    /// <summary>Initializes a new <see cref="DynamicWeightAverage"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The temperature is not positive.</exception>
    public DynamicWeightAverage(int taskCount, DynamicWeightAverageOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new DynamicWeightAverageOptions();
        if (!(_options.Temperature > 0))
        {
            throw new MultitaskConfigurationException(
                $"Option 'temperature' of method 'dwa' must be positive; got {_options.Temperature}.");
        }

        TaskCount = taskCount;
        _sums = new double[taskCount];
        _weights = new float[taskCount];
        Array.Fill(_weights, 1f);
    }

    /// <inheritdoc />
    public string Name => "dwa";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public bool UsesCurrentLosses => false;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => false;

    /// <inheritdoc />
    public void GetWeights(ReadOnlySpan<float> losses, Span<float> weights) => _weights.CopyTo(weights);

    /// <inheritdoc />
    public void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep)
    {
        for (int i = 0; i < TaskCount; i++)
        {
            _sums[i] += losses[i];
        }

        _count++;
    }

    /// <inheritdoc />
    public void CompleteEpoch()
    {
        if (_count == 0)
        {
            return;
        }

        _epochMeans.Add(_sums.Select(s => s / _count).ToArray());
        Array.Clear(_sums);
        _count = 0;
        int e = _epochMeans.Count;
        if (e < 2)
        {
            return;
        }

        double[] last = _epochMeans[e - 1];
        double[] before = _epochMeans[e - 2];
        var logits = new double[TaskCount];
        double max = double.NegativeInfinity;
        for (int i = 0; i < TaskCount; i++)
        {
            logits[i] = before[i] > 0 ? last[i] / before[i] / _options.Temperature : 0;
            max = Math.Max(max, logits[i]);
        }

        double sum = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            logits[i] = Math.Exp(logits[i] - max);
            sum += logits[i];
        }

        for (int i = 0; i < TaskCount; i++)
        {
            _weights[i] = (float)(TaskCount * logits[i] / sum);
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_sums);
        _epochMeans.Clear();
        _count = 0;
        Array.Fill(_weights, 1f);
    }

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.SetDoubles("sums", _sums);
        state.SetInt64("count", _count);
        state.SetFloats("weights", _weights);
        state.SetInt64("epochs", _epochMeans.Count);
        state.SetDoubles("epoch_means", _epochMeans.SelectMany(m => m).ToArray());
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ReadDoubles("sums", _sums);
        _count = state.ReadCount("count");
        state.ReadFloats("weights", _weights);
        int epochs = state.ReadCount("epochs");
        if (epochs > int.MaxValue / TaskCount)
        {
            throw new MethodStateException(
                $"The saved state of method 'dwa' claims {epochs} epochs of loss means; the state is damaged.");
        }

        var means = new double[epochs * TaskCount];
        state.ReadDoubles("epoch_means", means);
        _epochMeans.Clear();
        for (int e = 0; e < epochs; e++)
        {
            _epochMeans.Add(means.AsSpan(e * TaskCount, TaskCount).ToArray());
        }
    }
}
