using System.Diagnostics;
using MtlOnnx.Training.Multitask.Diagnostics;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Runs one aggregator over a step's task gradients: the Gram matrix, the solver and the weighted sum for a
/// <see cref="IGramAggregator"/>, or the coordinate pass for a <see cref="ICoordinateAggregator"/>, and optionally
/// the diagnostics.
/// </summary>
/// <remarks>Instances keep buffers between steps and are not thread-safe.</remarks>
public sealed class GradientAggregation
{
    private readonly double[] _weights;
    private readonly double[] _dots;
    private readonly GramMatrix _gram;

    /// <summary>Initializes a new <see cref="GradientAggregation"/> for an aggregator.</summary>
    /// <param name="aggregator">An <see cref="IGramAggregator"/> or <see cref="ICoordinateAggregator"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="aggregator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The aggregator implements neither aggregation interface.</exception>
    public GradientAggregation(IGradientAggregator aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        if (aggregator is not (IGramAggregator or ICoordinateAggregator))
        {
            throw new ArgumentException(
                $"Aggregator '{aggregator.Name}' implements neither IGramAggregator nor ICoordinateAggregator.",
                nameof(aggregator));
        }

        Aggregator = aggregator;
        _weights = new double[aggregator.TaskCount];
        _dots = new double[aggregator.TaskCount];
        _gram = new GramMatrix(aggregator.TaskCount);
    }

    /// <summary>Gets the aggregator.</summary>
    public IGradientAggregator Aggregator { get; }

    /// <summary>Gets the task weights of the last step (NaN for a coordinate aggregator).</summary>
    public ReadOnlySpan<double> LastWeights => _weights;

    /// <summary>
    /// Gets the Gram matrix of the last step; for a coordinate aggregator only when diagnostics were asked for.
    /// </summary>
    public GramMatrix LastGram => _gram;

    /// <summary>Aggregates the task gradients into <paramref name="update"/>.</summary>
    /// <param name="gradients">The task gradients, one row per task.</param>
    /// <param name="losses">The task losses of the step; may be empty for methods that do not read them.</param>
    /// <param name="update">The array of length P to overwrite.</param>
    /// <param name="diagnostics">Diagnostics to fill, or <see langword="null"/> to skip them.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="gradients"/> or <paramref name="update"/> is <see langword="null"/>.
    /// </exception>
    /// <exception cref="ArgumentException">The task count or a length disagrees.</exception>
    /// <exception cref="ArithmeticException">The aggregator produced a non-finite weight.</exception>
    public void Aggregate(
        GradientMatrix gradients,
        ReadOnlySpan<float> losses,
        float[] update,
        MultitaskDiagnostics? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(update);
        int t = Aggregator.TaskCount;
        if (gradients.TaskCount != t)
        {
            throw new ArgumentException(
                $"Aggregator '{Aggregator.Name}' was created for {t} tasks, but {gradients.TaskCount} task gradients " +
                "were given.",
                nameof(gradients));
        }

        if (!losses.IsEmpty && losses.Length != t)
        {
            throw new ArgumentException($"{losses.Length} losses were given for {t} tasks.", nameof(losses));
        }

        long start = Stopwatch.GetTimestamp();
        if (Aggregator is ConstantAggregator constant && diagnostics is null)
        {
            // Constant weights do not read the Gram matrix; skip its T(T+1)/2 dot products.
            constant.ComputeWeights(_gram, losses, _weights);
            gradients.WeightedSum(_weights, update);
            return;
        }

        if (Aggregator is IGramAggregator gramAggregator)
        {
            gradients.ComputeGram(_gram);
            long gramDone = Stopwatch.GetTimestamp();
            gramAggregator.ComputeWeights(_gram, losses, _weights);
            for (int i = 0; i < t; i++)
            {
                if (!double.IsFinite(_weights[i]))
                {
                    throw new ArithmeticException(
                        $"Aggregator '{Aggregator.Name}' produced the non-finite weight {_weights[i]} for task {i}.");
                }
            }

            long solved = Stopwatch.GetTimestamp();
            gradients.WeightedSum(_weights, update);
            long summed = Stopwatch.GetTimestamp();
            if (diagnostics is not null)
            {
                for (int i = 0; i < t; i++)
                {
                    _dots[i] = _gram.RowDot(i, _weights);
                }

                GradientDiagnostics.Compute(_gram, _dots, _weights, diagnostics);
                diagnostics.GramTime = Stopwatch.GetElapsedTime(start, gramDone);
                diagnostics.SolverTime = Stopwatch.GetElapsedTime(gramDone, solved);
                diagnostics.UpdateTime = Stopwatch.GetElapsedTime(solved, summed);
            }

            return;
        }

        ((ICoordinateAggregator)Aggregator).Aggregate(gradients, losses, update);
        long aggregated = Stopwatch.GetTimestamp();
        Array.Fill(_weights, double.NaN);
        if (diagnostics is not null)
        {
            gradients.ComputeGram(_gram);
            for (int i = 0; i < t; i++)
            {
                _dots[i] = gradients.Dot(i, update);
            }

            GradientDiagnostics.Compute(_gram, _dots, ReadOnlySpan<double>.Empty, diagnostics);
            diagnostics.GramTime = TimeSpan.Zero;
            diagnostics.SolverTime = TimeSpan.Zero;
            diagnostics.UpdateTime = Stopwatch.GetElapsedTime(start, aggregated);
        }
    }
}
