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
}
