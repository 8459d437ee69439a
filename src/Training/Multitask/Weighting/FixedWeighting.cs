namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>
/// Weights the losses with constants: all ones (<c>ew</c>, the plain sum), 1/T (<c>mean</c>) or given ones
/// (<c>fixed</c>).
/// </summary>
public sealed class FixedWeighting : ILossWeighting
{
    private readonly float[] _weights;

    /// <summary>Initializes a new <see cref="FixedWeighting"/>.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="weights">One weight per task.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is <see langword="null"/>.</exception>
    /// <exception cref="MultitaskConfigurationException">
    /// A weight is negative or not finite, or none is given.
    /// </exception>
    public FixedWeighting(string name, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Any(w => !(w >= 0) || double.IsInfinity(w)))
        {
            throw new MultitaskConfigurationException(
                $"Method '{name}' needs one finite, non-negative weight per task; got [{string.Join(", ", weights)}].");
        }

        Name = name;
        _weights = weights.Select(w => (float)w).ToArray();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int TaskCount => _weights.Length;

    /// <inheritdoc />
    public bool UsesCurrentLosses => false;

    /// <inheritdoc />
    public bool RequiresLossesAfterStep => false;

    /// <inheritdoc />
    public void GetWeights(ReadOnlySpan<float> losses, Span<float> weights) => _weights.CopyTo(weights);

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
