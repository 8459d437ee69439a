namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Defines an aggregator whose update is a weighted sum Σ w_i g_i of the task gradients, with weights computed from
/// the T×T Gram matrix alone (plus the task losses and the aggregator's own state).
/// </summary>
/// <remarks>
/// Because the weights only depend on the Gram matrix, the cost per step is one Gram computation (T(T+1)/2 dot
/// products of length P), a solver on a T×T problem, and one weighted sum.
/// </remarks>
public interface IGramAggregator : IGradientAggregator
{
    /// <summary>Computes the task weights of the update.</summary>
    /// <param name="gram">The Gram matrix of the task gradients.</param>
    /// <param name="losses">The task losses of the step, or an empty span when the method does not use them.</param>
    /// <param name="weights">The T weights to write.</param>
    void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights);
}
