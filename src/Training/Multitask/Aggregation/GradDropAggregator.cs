using MtlOnnx.Training.Data;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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

    /// <summary>Applies the sign-purity mask with the given thresholds; exposed for reference tests.</summary>
    internal static void ApplyMask(
        GradientMatrix gradients, ReadOnlySpan<double> thresholds, double leak, Span<float> update)
    {
        int t = gradients.TaskCount;
        int p = update.Length;

        // Pass 1 (vectorized): Σ_i g_i into update and Σ_i |g_i| into a scratch buffer.
        var absolute = new float[p];
        var scratch = new float[p];
        gradients.Row(0).CopyTo(update);
        TensorPrimitives.Abs(gradients.Row(0), absolute);
        for (int i = 1; i < t; i++)
        {
            TensorPrimitives.Add(update, gradients.Row(i), update);
            TensorPrimitives.Abs(gradients.Row(i), scratch);
            TensorPrimitives.Add(absolute, scratch, absolute);
        }

        // Pass 2: the sign each coordinate keeps, +1 where P > U, −1 where P < U, 0 on a tie.
        var keep = scratch;
        for (int k = 0; k < p; k++)
        {
            double purity = absolute[k] > 0 ? 0.5 * (1 + (update[k] / (double)absolute[k])) : 0.5;
            keep[k] = purity > thresholds[k] ? 1f : purity < thresholds[k] ? -1f : 0f;
        }

        // Pass 3: row by row, so each task gradient streams through once. The mask is random by design, so a branch
        // per element would mispredict half the time; the vector select keeps the loop branch-free.
        update.Clear();
        var kept = new Vector<float>(1f);
        var dropped = new Vector<float>((float)leak);
        int vectorEnd = p - (p % Vector<float>.Count);
        Span<Vector<float>> updateVectors = MemoryMarshal.Cast<float, Vector<float>>(update[..vectorEnd]);
        ReadOnlySpan<Vector<float>> keepVectors = MemoryMarshal.Cast<float, Vector<float>>(keep.AsSpan(0, vectorEnd));
        for (int i = 0; i < t; i++)
        {
            ReadOnlySpan<float> row = gradients.Row(i);
            ReadOnlySpan<Vector<float>> rowVectors = MemoryMarshal.Cast<float, Vector<float>>(row[..vectorEnd]);
            for (int v = 0; v < rowVectors.Length; v++)
            {
                Vector<float> g = rowVectors[v];
                Vector<int> mask = Vector.GreaterThan(g * keepVectors[v], Vector<float>.Zero);
                updateVectors[v] += g * Vector.ConditionalSelect(mask, kept, dropped);
            }

            for (int k = vectorEnd; k < p; k++)
            {
                float g = row[k];
                update[k] += g * (g * keep[k] > 0 ? 1f : (float)leak);
            }
        }
    }
}
