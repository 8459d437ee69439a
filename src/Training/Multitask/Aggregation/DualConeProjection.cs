using MtlOnnx.Training.Multitask.Internal;

namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>
/// Projects combinations of the task gradients onto their dual cone (the directions that conflict with no task),
/// in weight space: the projection of <c>Jᵀu</c> is <c>Jᵀv</c> with <c>v = argmin vᵀGv subject to v ≥ u</c>.
/// </summary>
internal sealed class DualConeProjection
{
    private readonly DualConeOptions _options;

    public DualConeProjection(string method, DualConeOptions options)
    {
        if (!(options.NormEps >= 0) || !(options.RegEps >= 0))
        {
            throw new MultitaskConfigurationException(
                $"Method '{method}' needs norm_eps ≥ 0 and reg_eps ≥ 0; got {options.NormEps} and {options.RegEps}.");
        }

        _options = options;
    }

    /// <summary>Gets the number of linear solves in the last projection.</summary>
    public int LastIterations { get; private set; }

    /// <summary>Prepares the regularized, trace-normalized matrix of the QP.</summary>
    public double[,] Prepare(GramMatrix gram)
    {
        int t = gram.TaskCount;
        double trace = gram.Trace;
        double[,] h = gram.ToArray(trace >= _options.NormEps && trace > 0 ? 1 / trace : 0);
        for (int i = 0; i < t; i++)
        {
            h[i, i] += _options.RegEps;
        }

        return h;
    }

    /// <summary>
    /// Returns v for the lower bound u, starting the active set from <paramref name="freeGuess"/> if given.
    /// </summary>
    public double[] Project(double[,] h, ReadOnlySpan<double> lower, bool[]? freeGuess = null)
    {
        double[] v = LowerBoundQpSolver.Solve(h, lower, freeGuess, out int iterations);
        LastIterations += iterations;
        return v;
    }

    public void ResetCounters() => LastIterations = 0;
}
