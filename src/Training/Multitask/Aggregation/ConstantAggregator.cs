namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Aggregates with fixed weights: the sum of the task gradients (<c>ew</c>, <c>sum</c>) or their mean
/// (<c>mean</c>). The baseline the other aggregators are measured against.
/// </summary>
public sealed class ConstantAggregator : IGramAggregator
{
    private readonly double _weight;

    /// <summary>Initializes a new <see cref="ConstantAggregator"/>.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="mean"><see langword="true"/> for weights 1/T, <see langword="false"/> for weights 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public ConstantAggregator(string name, int taskCount, bool mean)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        Name = name;
        TaskCount = taskCount;
        _weight = mean ? 1.0 / taskCount : 1.0;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights) => weights.Fill(_weight);

    /// <inheritdoc />
    public void Reset()
    {
    }

    /// <inheritdoc />
    public void SaveState(MethodState state) => ArgumentNullException.ThrowIfNull(state);

    /// <inheritdoc />
    public void LoadState(MethodState state) => ArgumentNullException.ThrowIfNull(state);
}
