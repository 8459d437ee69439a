using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// UPGrad: projects each preference-weighted task gradient <c>u_i g_i</c> onto the dual cone of the task gradients
/// and sums the projections. The update conflicts with no task, and with two tasks and unit preferences it equals
/// PCGrad's.
/// </summary>
public sealed class UPGradAggregator : IGramAggregator
{
    private readonly DualConeProjection _projection;
    private readonly double[] _preferences;

    /// <summary>Initializes a new <see cref="UPGradAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">An option is out of range.</exception>
    public UPGradAggregator(int taskCount, DualConeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        options ??= new DualConeOptions();
        TaskCount = taskCount;
        _projection = new DualConeProjection(Name, options);
        _preferences = GramAlgebra.Preferences(Name, options.PreferenceWeights, taskCount, 1.0 / taskCount);
    }

    /// <inheritdoc />
    public string Name => "upgrad";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <summary>Gets the number of linear solves in the last step, over all T projections.</summary>
    public int LastIterations => _projection.LastIterations;

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        _projection.ResetCounters();
        double[,] h = _projection.Prepare(gram);
        weights.Clear();
        var lower = new double[t];

        // The T projections differ in one bound each, so their active sets are close: each starts from the last.
        var free = new bool[t];
        for (int i = 0; i < t; i++)
        {
            Array.Clear(lower);
            lower[i] = _preferences[i];
            double[] v = _projection.Project(h, lower, free);
            for (int k = 0; k < t; k++)
            {
                weights[k] += v[k];
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
}
