using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// GradDrop: per coordinate, the sign purity <c>P = ½ (1 + Σ_i g_i / Σ_i |g_i|)</c> is compared with a uniform
/// threshold U; if P &gt; U only the positive task components pass, otherwise only the negative ones.
/// </summary>
/// <remarks>
/// The paper applies it to gradients of the shared representation (LibMTL requires that); any flat per-task buffers
/// work. The paper's optional correction by the sign of the layer input is not applied.
/// </remarks>
public sealed class GradDropAggregator : ICoordinateAggregator
{
    private readonly GradDropOptions _options;
    private readonly SeededRandom _random;
    private double[] _thresholds = [];

    /// <summary>Initializes a new <see cref="GradDropAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">The leak is outside [0, 1].</exception>
    public GradDropAggregator(int taskCount, GradDropOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new GradDropOptions();
        if (!(_options.Leak >= 0 && _options.Leak <= 1))
        {
            throw new MultitaskConfigurationException(
                $"Option 'leak' of method 'graddrop' must lie in [0, 1]; got {_options.Leak}.");
        }

        TaskCount = taskCount;
        _random = new SeededRandom((ulong)_options.Seed);
    }

    /// <inheritdoc />
    public string Name => "graddrop";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <inheritdoc />
    public void Aggregate(GradientMatrix gradients, ReadOnlySpan<float> losses, Span<float> update)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (_thresholds.Length != gradients.Length)
        {
            _thresholds = new double[gradients.Length];
        }

        for (int k = 0; k < _thresholds.Length; k++)
        {
            _thresholds[k] = _random.NextDouble();
        }

        ApplyMask(gradients, _thresholds, _options.Leak, update);
    }

    /// <inheritdoc />
    public void Reset() => _random.Reset();

    /// <summary>Applies the sign-purity mask with the given thresholds; exposed for reference tests.</summary>
    internal static void ApplyMask(
        GradientMatrix gradients, ReadOnlySpan<double> thresholds, double leak, Span<float> update)
    {
        int t = gradients.TaskCount;
        for (int k = 0; k < update.Length; k++)
        {
            double sum = 0;
            double absolute = 0;
            for (int i = 0; i < t; i++)
            {
                double g = gradients.Row(i)[k];
                sum += g;
                absolute += Math.Abs(g);
            }

            double purity = absolute > 0 ? 0.5 * (1 + (sum / absolute)) : 0.5;
            bool keepPositive = purity > thresholds[k];
            bool keepNegative = purity < thresholds[k];
            double value = 0;
            for (int i = 0; i < t; i++)
            {
                double g = gradients.Row(i)[k];
                bool kept = (keepPositive && g > 0) || (keepNegative && g < 0);
                value += g * (leak + ((1 - leak) * (kept ? 1 : 0)));
            }

            update[k] = (float)value;
        }
    }
}
