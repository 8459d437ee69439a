namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Defines an aggregator that needs the gradient coordinates themselves (sign masks, per-coordinate state), so its
/// update is not a weighted sum of the task gradients.
/// </summary>
public interface ICoordinateAggregator : IGradientAggregator
{
    /// <summary>Computes the update from the task gradients.</summary>
    /// <param name="gradients">The task gradients.</param>
    /// <param name="losses">The task losses of the step, or an empty span when the method does not use them.</param>
    /// <param name="update">The buffer of length P to overwrite with the update.</param>
    void Aggregate(GradientMatrix gradients, ReadOnlySpan<float> losses, Span<float> update);
}
