using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// CAGrad: the direction in the ball of radius c|g0| around the mean gradient g0 that maximizes the worst task's
/// improvement, computed through its dual <c>min_{w∈Δ} g_wᵀ g0 + c|g0| |g_w|</c>. The update is
/// <c>g0 + (c|g0| / |g_w|) g_w</c>, optionally rescaled.
/// </summary>
public sealed class CAGradAggregator : IGramAggregator
{
    private readonly CAGradOptions _options;

    /// <summary>Initializes a new <see cref="CAGradAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">c is negative or rescale is not 0, 1 or 2.</exception>
    public CAGradAggregator(int taskCount, CAGradOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new CAGradOptions();
        if (!(_options.C >= 0) || double.IsInfinity(_options.C))
        {
            throw new MultitaskConfigurationException(
                $"Option 'c' of method 'cagrad' must be a finite number ≥ 0; got {_options.C}.");
        }

        if (_options.Rescale is < 0 or > 2)
        {
            throw new MultitaskConfigurationException(
                $"Option 'rescale' of method 'cagrad' must be 0, 1 or 2; got {_options.Rescale}.");
        }

        TaskCount = taskCount;
    }

    /// <inheritdoc />
    public string Name => "cagrad";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <summary>Gets the number of solver iterations in the last step.</summary>
    public int LastIterations { get; private set; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        double c = _options.C;
        weights.Fill(1.0 / t);
        double[,] g = GramAlgebra.Normalized(gram, out double scale);
        LastIterations = 0;
        if (scale > 0 && c > 0)
        {
            double meanSquared = 0;
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    meanSquared += g[i, j];
                }
            }

            double g0Norm = Math.Sqrt(Math.Max(meanSquared, 0)) / t;
            double k = c * g0Norm;
            double[] w = CagradSolver.Solve(g, k, out int iterations);
            LastIterations = iterations;
            double gwNorm = 0;
            for (int i = 0; i < t; i++)
            {
                gwNorm += w[i] * SimplexQpSolver.RowDot(g, i, w);
            }

            gwNorm = Math.Sqrt(Math.Max(gwNorm, 0));
            if (gwNorm > 1e-12 * Math.Max(g0Norm, double.Epsilon))
            {
                double lambda = k / gwNorm;
                for (int i = 0; i < t; i++)
                {
                    weights[i] += lambda * w[i];
                }
            }

            ReplaceDegenerateDirection(g, k, weights);
        }

        double divisor = _options.Rescale switch
        {
            1 => 1 + (c * c),
            2 => 1 + c,
            _ => 1,
        };
        for (int i = 0; i < t; i++)
        {
            weights[i] /= divisor;
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

    /// <summary>
    /// When the dual optimum has <c>g_w = 0</c> (for example two opposite collinear gradients) the formula
    /// <c>g0 + c|g0| g_w/|g_w|</c> is undefined and its numerical value can conflict with a task. The primal optimum is
    /// then any point of the ball that conflicts with no task; the projection of g0 onto the dual cone is one, and it
    /// lies in the ball whenever c ≥ 1. It replaces the formula's direction when it has the better worst-task value.
    /// </summary>
    private static void ReplaceDegenerateDirection(double[,] g, double k, Span<double> weights)
    {
        int t = weights.Length;
        double current = double.PositiveInfinity;
        for (int i = 0; i < t; i++)
        {
            current = Math.Min(current, SimplexQpSolver.RowDot(g, i, weights));
        }

        if (current >= 0)
        {
            return;
        }

        var mean = new double[t];
        Array.Fill(mean, 1.0 / t);
        double[] projected = LowerBoundQpSolver.Solve(g, mean, out _);
        var offset = new double[t];
        double worst = double.PositiveInfinity;
        for (int i = 0; i < t; i++)
        {
            offset[i] = projected[i] - mean[i];
            worst = Math.Min(worst, SimplexQpSolver.RowDot(g, i, projected));
        }

        double distanceSquared = 0;
        for (int i = 0; i < t; i++)
        {
            distanceSquared += offset[i] * SimplexQpSolver.RowDot(g, i, offset);
        }

        if (distanceSquared <= k * k * (1 + 1e-9) && worst > current)
        {
            projected.CopyTo(weights);
        }
    }
}
