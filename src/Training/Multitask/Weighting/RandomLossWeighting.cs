using MtlOnnx.Training.Data;
using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Random loss weighting: every step draws weights <c>softmax(z)</c> with z standard normal (they sum to 1).
/// </summary>
public sealed class RandomLossWeighting : ILossWeighting
{
    private readonly SeededRandom _random;

    /// <summary>Initializes a new <see cref="RandomLossWeighting"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public RandomLossWeighting(int taskCount, RandomLossWeightingOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        _random = new SeededRandom((ulong)(options ?? new RandomLossWeightingOptions()).Seed);
    }

    /// <inheritdoc />
    public string Name => "rlw";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public bool UsesCurrentLosses => false;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => false;

    /// <inheritdoc />
    public void GetWeights(ReadOnlySpan<float> losses, Span<float> weights)
    {
        Span<double> z = stackalloc double[TaskCount];
        double max = double.NegativeInfinity;
        for (int i = 0; i < TaskCount; i++)
        {
            z[i] = _random.Normal();
            max = Math.Max(max, z[i]);
        }

        double sum = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            z[i] = Math.Exp(z[i] - max);
            sum += z[i];
        }

        for (int i = 0; i < TaskCount; i++)
        {
            weights[i] = (float)(z[i] / sum);
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
    public void Reset() => _random.Reset();

    /// <inheritdoc />
    public void SaveState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RandomState.Save(state, "random", _random);
    }

    /// <inheritdoc />
    public void LoadState(MethodState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RandomState.Load(state, "random", _random);
    }
}
