using MtlOnnx.Training.Multitask.Diagnostics;

namespace MtlOnnx.Training.Multitask;

/// <summary>
/// Defines the one interface a trainer drives, whatever the method: a loss weighting, a gradient aggregator, or a
/// stateful method such as GradNorm.
/// </summary>
/// <remarks>
/// <para>Protocol for one training step:</para>
/// <list type="number">
/// <item><description>
/// When <see cref="GradientSource"/> is <see cref="Multitask.GradientSource.None"/>: call <see cref="GetLossWeights"/>,
/// back-propagate Σ w_i L_i once (the training graph's loss-weights input), step the optimizer.
/// </description></item>
/// <item><description>
/// Otherwise: compute the per-task gradients the source names (shared parameters, or the shared representation),
/// call <see cref="Aggregate"/> for the shared update, scale each task head's own gradient by
/// <see cref="GetHeadWeights"/>, step the optimizer. For the representation source, back-propagate the update
/// through the trunk once.
/// </description></item>
/// <item><description>
/// Call <see cref="CompleteStep"/>, with the post-update losses if <see cref="RequiresLossesAfterStep"/>.
/// </description></item>
/// </list>
/// <para>Call <see cref="CompleteEpoch"/> after each epoch. <see cref="SaveState"/> and <see cref="LoadState"/> carry
/// everything the method remembers between steps (random streams included) through a checkpoint.
/// Implementations are not thread-safe.</para>
/// </remarks>
public interface IMultitaskMethod
{
    /// <summary>Gets the registry name, such as <c>pcgrad</c>.</summary>
    string Name { get; }

    /// <summary>Gets the number of tasks.</summary>
    int TaskCount { get; }

    /// <summary>Gets which per-task gradients <see cref="Aggregate"/> needs.</summary>
    GradientSource GradientSource { get; }

    /// <summary>Gets a value indicating whether the loss weights depend on the same step's losses.</summary>
    bool LossWeightsUseCurrentLosses { get; }

    /// <summary>Gets a value indicating whether <see cref="CompleteStep"/> needs the losses after the update.</summary>
    bool RequiresLossesAfterStep { get; }

    /// <summary>Writes the loss weights of a loss-level method (all ones for gradient methods).</summary>
    /// <param name="losses">The task losses.</param>
    /// <param name="weights">The T weights to write.</param>
    void GetLossWeights(ReadOnlySpan<float> losses, Span<float> weights);

    /// <summary>Combines the per-task gradients into the shared update.</summary>
    /// <param name="gradients">The task gradients of the source in <see cref="GradientSource"/>.</param>
    /// <param name="losses">The task losses of the step.</param>
    /// <param name="update">The array of length P to overwrite.</param>
    /// <param name="diagnostics">Diagnostics to fill, or <see langword="null"/> to skip them.</param>
    /// <exception cref="InvalidOperationException">The method is a loss weighting and needs no gradients.</exception>
    void Aggregate(
        GradientMatrix gradients, ReadOnlySpan<float> losses, float[] update, MultitaskDiagnostics? diagnostics);

    /// <summary>Writes the factor for each task head's own gradient; valid after <see cref="Aggregate"/>.</summary>
    /// <param name="losses">The task losses of the step.</param>
    /// <param name="weights">The T factors to write.</param>
    void GetHeadWeights(ReadOnlySpan<float> losses, Span<float> weights);

    /// <summary>Updates the method's state after the optimizer step.</summary>
    /// <param name="losses">The task losses before the update.</param>
    /// <param name="lossesAfterStep">The losses of the same batch after the update, or empty when not required.</param>
    void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep);

    /// <summary>Updates epoch-level state.</summary>
    void CompleteEpoch();

    /// <summary>Clears all state, as for a fresh run.</summary>
    void Reset();

    /// <summary>Captures the state the method carries across steps, for a checkpoint.</summary>
    /// <returns>The state, tagged with the method's name and task count.</returns>
    MethodState SaveState();

    /// <summary>
    /// Restores a state <see cref="SaveState"/> captured, so a resumed run continues the same trajectory.
    /// </summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is <see langword="null"/>.</exception>
    /// <exception cref="MethodStateException">
    /// The state belongs to another method or task count, or a field is missing or has the wrong kind or length.
    /// </exception>
    void LoadState(MethodState state);
}
