namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Defines a loss-level task weighting: scalar weights for the task losses, so the trainer back-propagates
/// Σ w_i L_i once (for example through the training graph's loss-weights input). State may carry across steps.
/// </summary>
/// <remarks>
/// Per step the trainer calls <see cref="GetWeights"/>, runs the weighted backward and the optimizer step, then calls
/// <see cref="CompleteStep"/>; at the end of each epoch it calls <see cref="CompleteEpoch"/>.
/// </remarks>
public interface ILossWeighting
{
    /// <summary>Gets the registry name, such as <c>uw</c>.</summary>
    string Name { get; }

    /// <summary>Gets the number of tasks.</summary>
    int TaskCount { get; }

    /// <summary>
    /// Gets a value indicating whether the weights depend on the losses of the same step (GLS, FAMO). A trainer that
    /// must set the weights before the losses are known passes the previous step's losses, which delays them a step.
    /// </summary>
    bool UsesCurrentLosses { get; }

    /// <summary>
    /// Gets a value indicating whether <see cref="CompleteStep"/> needs the losses after the update (FAMO).
    /// </summary>
    bool RequiresLossesAfterStep { get; }

    /// <summary>Writes the loss weights for the step.</summary>
    /// <param name="losses">The task losses of the step (or the previous step; see <see cref="UsesCurrentLosses"/>).</param>
    /// <param name="weights">The T weights to write.</param>
    void GetWeights(ReadOnlySpan<float> losses, Span<float> weights);

    /// <summary>Updates the state after the optimizer step.</summary>
    /// <param name="losses">The task losses of the step, before the update.</param>
    /// <param name="lossesAfterStep">The losses of the same batch after the update, or empty when not required.</param>
    void CompleteStep(ReadOnlySpan<float> losses, ReadOnlySpan<float> lossesAfterStep);

    /// <summary>Updates epoch-level state (DWA's loss history).</summary>
    void CompleteEpoch();

    /// <summary>Clears all state.</summary>
    void Reset();

    /// <summary>Writes the state the method carries across steps (nothing for a stateless method).</summary>
    /// <param name="state">The state to add this method's fields to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is <see langword="null"/>.</exception>
    void SaveState(MethodState state);

    /// <summary>
    /// Restores the state <see cref="SaveState"/> wrote, so the next step equals the one an uninterrupted run takes.
    /// </summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is <see langword="null"/>.</exception>
    /// <exception cref="MethodStateException">A field is missing or has the wrong kind or length.</exception>
    void LoadState(MethodState state);
}
