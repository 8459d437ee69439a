namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Defines what every gradient aggregator has: a registry name and resettable state. An aggregator implements
/// either <see cref="IGramAggregator"/> or <see cref="ICoordinateAggregator"/>.
/// </summary>
public interface IGradientAggregator
{
    /// <summary>Gets the registry name of the method, such as <c>upgrad</c>.</summary>
    string Name { get; }

    /// <summary>Gets the number of tasks the aggregator was created for.</summary>
    int TaskCount { get; }

    /// <summary>
    /// Clears any state carried across steps (moving averages, random streams restart from the seed).
    /// </summary>
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
