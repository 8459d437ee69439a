using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// DualProj: projects the preference-weighted combination of the task gradients (by default their mean) onto the
/// dual cone of the task gradients, once. The update conflicts with no task.
/// </summary>
public sealed class DualProjAggregator : IGramAggregator
{
    private readonly DualConeProjection _projection;
    private readonly double[] _preferences;

    /// <summary>Initializes a new <see cref="DualProjAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">An option is out of range.</exception>
    public DualProjAggregator(int taskCount, DualConeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        options ??= new DualConeOptions();
        TaskCount = taskCount;
        _projection = new DualConeProjection(Name, options);
        _preferences = GramAlgebra.Preferences(Name, options.PreferenceWeights, taskCount, 1.0 / taskCount);
    }

    /// <inheritdoc />
    public string Name => "dualproj";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        _projection.ResetCounters();
        double[] v = _projection.Project(_projection.Prepare(gram), _preferences);
        v.CopyTo(weights);
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
