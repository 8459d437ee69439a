using MtlOnnx.Training.Multitask.Diagnostics;
using MtlOnnx.Training.Multitask.Weighting;

namespace MtlOnnx.Training.Multitask;

/// <summary>
/// Adapts an <see cref="ILossWeighting"/> to <see cref="IMultitaskMethod"/>: one weighted backward per step.
/// </summary>
public sealed class LossWeightingMethod : IMultitaskMethod
{
    /// <summary>Initializes a new <see cref="LossWeightingMethod"/>.</summary>
    /// <param name="weighting">The loss weighting.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weighting"/> is <see langword="null"/>.</exception>
    public LossWeightingMethod(ILossWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(weighting);
        Weighting = weighting;
    }

    /// <summary>Gets the wrapped loss weighting.</summary>
    public ILossWeighting Weighting { get; }

    /// <inheritdoc />
    public string Name => Weighting.Name;

    /// <inheritdoc />
    public int TaskCount => Weighting.TaskCount;

    /// <inheritdoc />
    public GradientSource GradientSource => GradientSource.None;

    /// <inheritdoc />
    public bool LossWeightsUseCurrentLosses => Weighting.UsesCurrentLosses;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => Weighting.RequiresLossesAfterStep;

    /// <inheritdoc />
    public void GetLossWeights(ReadOnlySpan<float> losses, Span<float> weights) => Weighting.GetWeights(losses, weights);

    /// <inheritdoc />
    public void Aggregate(
        GradientMatrix gradients, ReadOnlySpan<float> losses, float[] update, MultitaskDiagnostics? diagnostics) =>
        throw new InvalidOperationException(
            $"Method '{Name}' weights the losses and needs no per-task gradients; back-propagate the weighted loss instead.");

    /// <inheritdoc />
    public void GetHeadWeights(ReadOnlySpan<float> losses, Span<float> weights) => Weighting.GetWeights(losses, weights);

    /// <inheritdoc />
    public void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep) =>
        Weighting.CompleteStep(losses, lossesAfterStep);

    /// <inheritdoc />
    public void CompleteEpoch() => Weighting.CompleteEpoch();

    /// <inheritdoc />
    public void Reset() => Weighting.Reset();

    /// <inheritdoc />
    public MethodState SaveState()
    {
        var state = new MethodState(Name, TaskCount);
        Weighting.SaveState(state);
        return state;
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.RequireOwner(Name, TaskCount);
        Weighting.LoadState(state);
    }
}
