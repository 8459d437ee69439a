using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// CAME-Grad: conflict-averse direction rectification, magnitude-enhanced energy injection and adaptive fusion with
/// the linear-scalarization gradient, all in Gram form.
/// </summary>
/// <remarks>
/// <para>
/// The authors have not released the optimizer's code; this is our reading of the paper's three stages and of the
/// hyper-parameters of their training script (ρ "conflict radius", κ "magnitude gain", ν "fusion coefficient").
/// With task weights λ, scaled gradients <c>h_i = λ_i g_i</c> and the scalarized gradient <c>g_LS = Σ h_i</c>:
/// </para>
/// <list type="number">
/// <item><description>Rectification: the CAGrad direction d of the h_i with radius ρ (no rescale).</description></item>
/// <item><description>
/// Energy injection: conflicts shrink <c>|g_LS|² = Σ_ij h_i·h_j</c> through the negative cross terms. d is scaled to
/// <c>E = κ √(Σ_ij max(h_i·h_j, 0))</c>, the norm the scalarized gradient would have without them, times κ.
/// </description></item>
/// <item><description>
/// Fusion: <c>u = (1 − ν') d̂ + ν' g_LS</c> with <c>ν' = ν · max(0, cos(d, g_LS))</c> when adaptive, so the
/// task-specific bias of the scalarization enters only as far as it agrees with the rectified direction.
/// </description></item>
/// </list>
/// </remarks>
public sealed class CameGradAggregator : IGramAggregator
{
    private readonly CameGradOptions _options;
    private readonly double[] _lambda;
    private readonly CAGradAggregator _rectifier;

    /// <summary>Initializes a new <see cref="CameGradAggregator"/>.</summary>
    /// <param name="taskCount">The number of tasks.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    /// <exception cref="MultitaskConfigurationException">An option is out of range.</exception>
    public CameGradAggregator(int taskCount, CameGradOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _options = options ?? new CameGradOptions();
        if (!(_options.Rho >= 0) || !(_options.Kappa > 0) || !(_options.Nu >= 0 && _options.Nu <= 1))
        {
            throw new MultitaskConfigurationException(
                $"Method 'camegrad' needs rho ≥ 0, kappa > 0 and nu in [0, 1]; got {_options.Rho}, {_options.Kappa} " +
                $"and {_options.Nu}.");
        }

        TaskCount = taskCount;
        _lambda = GramAlgebra.Preferences(Name, _options.TaskWeights, taskCount, 1.0);
        _rectifier = new CAGradAggregator(taskCount, new CAGradOptions { C = _options.Rho, Rescale = 0 });
    }

    /// <inheritdoc />
    public string Name => "camegrad";

    /// <inheritdoc />
    public int TaskCount { get; }

    /// <summary>Gets the fusion coefficient ν' used in the last step.</summary>
    public double LastFusion { get; private set; }

    /// <inheritdoc />
    public void ComputeWeights(GramMatrix gram, ReadOnlySpan<float> losses, Span<double> weights)
    {
        int t = TaskCount;
        weights.Clear();
        var scaled = new GramMatrix(t);
        double energy = 0;
        double scalarizedSquared = 0;
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                double h = _lambda[i] * _lambda[j] * gram[i, j];
                scaled[i, j] = h;
                energy += Math.Max(h, 0);
                scalarizedSquared += h;
            }
        }

        if (!(energy > 0))
        {
            LastFusion = 0;
            return;
        }

        Span<double> a = stackalloc double[t];
        _rectifier.ComputeWeights(scaled, losses, a);
        double dNorm = Math.Sqrt(scaled.QuadraticForm(a));
        double target = _options.Kappa * Math.Sqrt(energy);
        double fusion = _options.Nu;
        if (_options.AdaptiveFusion)
        {
            // d · g_LS = Σ_i (H a)_i, the rectified direction against the all-ones combination.
            double cross = 0;
            for (int i = 0; i < t; i++)
            {
                cross += scaled.RowDot(i, a);
            }

            double lsNorm = Math.Sqrt(Math.Max(scalarizedSquared, 0));
            double cosine = dNorm > 0 && lsNorm > 0 ? cross / (dNorm * lsNorm) : 0;
            fusion *= Math.Max(0, Math.Min(1, cosine));
        }

        LastFusion = fusion;
        double dFactor = dNorm > 0 ? (1 - fusion) * target / dNorm : 0;
        for (int i = 0; i < t; i++)
        {
            weights[i] = _lambda[i] * ((dFactor * a[i]) + fusion);
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
}
