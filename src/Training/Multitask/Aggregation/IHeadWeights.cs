namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Defines an aggregator that also scales each task's own (unshared) head gradient, as GradNorm and DB-MTL do.
/// Aggregators without it leave head gradients unscaled.
/// </summary>
public interface IHeadWeights
{
    /// <summary>Writes the factor for each task's head gradient; valid after the step's aggregation.</summary>
    /// <param name="losses">The task losses of the step.</param>
    /// <param name="weights">The T factors to write.</param>
    void GetHeadWeights(ReadOnlySpan<float> losses, Span<float> weights);
}
