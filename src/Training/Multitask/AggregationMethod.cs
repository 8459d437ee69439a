using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Multitask.Diagnostics;

namespace MtlOnnx.Training.Multitask;

/// <summary>Adapts a gradient aggregator to <see cref="IMultitaskMethod"/>.</summary>
public sealed class AggregationMethod : IMultitaskMethod
{
    private readonly GradientAggregation _aggregation;

    /// <summary>Initializes a new <see cref="AggregationMethod"/>.</summary>
    /// <param name="aggregator">The aggregator.</param>
    /// <param name="source">The gradients the trainer must compute for it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="aggregator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is <see cref="GradientSource.None"/>.</exception>
    public AggregationMethod(IGradientAggregator aggregator, GradientSource source)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        if (source == GradientSource.None)
        {
            throw new ArgumentException(
                $"Aggregator '{aggregator.Name}' needs per-task gradients; the gradient source cannot be None.",
                nameof(source));
        }

        _aggregation = new GradientAggregation(aggregator);
        GradientSource = source;
    }

    /// <summary>Gets the aggregator.</summary>
    public IGradientAggregator Aggregator => _aggregation.Aggregator;

    /// <inheritdoc />
    public string Name => Aggregator.Name;

    /// <inheritdoc />
    public int TaskCount => Aggregator.TaskCount;

    /// <inheritdoc />
    public GradientSource GradientSource { get; }

    /// <inheritdoc />
    public bool LossWeightsUseCurrentLosses => false;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => false;

    /// <summary>Gets the task weights of the last step (NaN for coordinate aggregators).</summary>
    public ReadOnlySpan<double> LastWeights => _aggregation.LastWeights;

    /// <inheritdoc />
    public void GetLossWeights(ReadOnlySpan<float> losses, Span<float> weights) => weights.Fill(1f);

    /// <inheritdoc />
    public void Aggregate(
        GradientMatrix gradients, ReadOnlySpan<float> losses, float[] update, MultitaskDiagnostics? diagnostics) =>
        _aggregation.Aggregate(gradients, losses, update, diagnostics);

    /// <inheritdoc />
    public void GetHeadWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        if (Aggregator is IHeadWeights heads)
        {
            heads.GetHeadWeights(losses, weights);
        }
        else
        {
            weights.Fill(1f);
        }
    }

    /// <inheritdoc />
    public void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep)
    {
    }

    /// <inheritdoc />
    public void CompleteEpoch()
    {
    }

    /// <inheritdoc />
    public void Reset() => Aggregator.Reset();

    /// <inheritdoc />
    public MethodState SaveState()
    {
        var state = new MethodState(Name, TaskCount);
        Aggregator.SaveState(state);
        return state;
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.RequireOwner(Name, TaskCount);
        Aggregator.LoadState(state);
    }
}
