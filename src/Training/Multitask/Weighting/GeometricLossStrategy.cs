namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Geometric loss strategy (Chennupati et al., 2019): the objective <c>(Π L_i)^{1/T}</c>. Its gradient is
/// <c>Σ_i w_i ∇L_i</c> with <c>w_i = (Π L)^{1/T} / (T L_i)</c>, so the weights given here reproduce it exactly
/// through a weighted sum of the losses.
/// </summary>
public sealed class GeometricLossStrategy : ILossWeighting
{
    /// <summary>Initializes a new <see cref="GeometricLossStrategy"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public GeometricLossStrategy(int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
    }

    /// <inheritdoc />
    public string Name => "gls";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public bool UsesCurrentLosses => true;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => false;

    /// <summary>Computes the geometric mean of the losses, in log space to avoid under- and overflow.</summary>
    /// <param name="losses">The task losses, all positive.</param>
    /// <returns>The objective.</returns>
    /// <exception cref="ArgumentException">A loss is not positive.</exception>
    public double Objective(ReadOnlySpan<float> losses)
    {
        double logSum = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            if (!(losses[i] > 0))
            {
                throw new ArgumentException(
                    $"The geometric loss strategy needs positive losses, but task {i} has loss {losses[i]}.",
                    nameof(losses));
            }

            logSum += Math.Log(losses[i]);
        }

        return Math.Exp(logSum / TaskCount);
    }

    /// <inheritdoc />
    public void GetWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        double objective = Objective(losses);
        for (int i = 0; i < TaskCount; i++)
        {
            weights[i] = (float)(objective / (TaskCount * losses[i]));
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
    public void Reset()
    {
    }

    /// <inheritdoc />
    public void SaveState(MethodState state) => ArgumentNullException.ThrowIfNull(state);

    /// <inheritdoc />
    public void LoadState(MethodState state) => ArgumentNullException.ThrowIfNull(state);
}
