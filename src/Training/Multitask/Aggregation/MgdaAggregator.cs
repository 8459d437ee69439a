using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// MGDA: the minimum-norm point of the convex hull of the task gradients, <c>min_{w∈Δ} |Σ w_i g_i|²</c>. Its
/// direction decreases every task loss unless the point is zero, where the parameters are Pareto-stationary.
/// </summary>
/// <remarks>
/// Applied to gradients of the shared representation instead of the shared parameters this is MGDA-UB; the solver
/// is the same, only the trainer's gradient source differs.
/// </remarks>
public sealed class MgdaAggregator : IGramAggregator
{
    private readonly MgdaOptions _options;

    /// <summary>Initializes a new <see cref="MgdaAggregator"/>.</summary>
    /// <param name="name">The registry name, <c>mgda</c> or <c>mgdaub</c>.</param>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">
    /// An iteration limit or stop criterion is out of range.
    /// </exception>
    public MgdaAggregator(string name, int taskCount, MgdaOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new MgdaOptions();
        if (_options.MaxIter < 1 || !(_options.StopCriterion >= 0))
        {
            throw new MultitaskConfigurationException(
                $"Method '{name}' needs max_iter ≥ 1 and stop_criterion ≥ 0; got {_options.MaxIter} and " +
                $"{_options.StopCriterion}.");
        }

        Name = name;
        TaskCount = taskCount;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <summary>Gets the number of solver iterations in the last step.</summary>
    public int LastIterations { get; private set; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        Span<double> normalizer = stackalloc double[t];
        for (int i = 0; i < t; i++)
        {
            double norm = gram.Norm(i);
            double loss = _options.Normalization is MgdaNormalization.Loss or MgdaNormalization.LossPlus
                ? RequireLoss(losses, i)
                : 1;
            double n = _options.Normalization switch
            {
                MgdaNormalization.L2 => norm,
                MgdaNormalization.Loss => loss,
                MgdaNormalization.LossPlus => loss * norm,
                _ => 1,
            };
            normalizer[i] = n > 0 && double.IsFinite(n) ? n : 1;
        }

        var h = new double[t, t];
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                h[i, j] = gram[i, j] / (normalizer[i] * normalizer[j]);
            }
        }

        double scale = SimplexQpSolver.MeanDiagonal(h);
        if (scale > 0)
        {
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    h[i, j] /= scale;
                }
            }
        }

        int iterations;
        double[] w = _options.Solver == MinNormSolverKind.FrankWolfe
            ? SimplexQpSolver.SolveFrankWolfe(h, _options.MaxIter, _options.StopCriterion, out iterations)
            : SimplexQpSolver.Solve(h, ReadOnlySpan<double>.Empty, out iterations);
        LastIterations = iterations;
        for (int i = 0; i < t; i++)
        {
            weights[i] = w[i] / normalizer[i];
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
    }

    /// <inheritdoc />
    public void SaveState(MethodState state) => ArgumentNullException.ThrowIfNull(state);

    /// <inheritdoc />
    public void LoadState(MethodState state) => ArgumentNullException.ThrowIfNull(state);

    private double RequireLoss(ReadOnlySpan<float> losses, int task)
    {
        if (losses.Length != TaskCount)
        {
            throw new MultitaskConfigurationException(
                $"Method '{Name}' with normalization '{_options.Normalization}' needs the {TaskCount} task losses; " +
                $"{losses.Length} were given.");
        }

        return losses[task];
    }
}
