namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Solves <c>min ½ wᵀ H w + cᵀ w</c> over the probability simplex (w ≥ 0, Σ w = 1) for a small positive
/// semidefinite H, exactly up to rounding, with a primal active-set method.
/// </summary>
/// <remarks>
/// Each iteration solves the equality-constrained problem on the free indices through a Cholesky factor; the method
/// ends in at most a few times T iterations on these problem sizes. A relative ridge of 1e-12 keeps the factor
/// defined when H is singular, which selects the minimum-norm weights among equally good ones.
/// </remarks>
internal static class SimplexQpSolver
{
    private const double Ridge = 1e-12;

    /// <summary>Solves the problem; <paramref name="linear"/> may be empty for a pure quadratic.</summary>
    /// <param name="h">The T×T matrix H.</param>
    /// <param name="linear">The linear term c, or an empty span.</param>
    /// <param name="iterations">The number of active-set iterations used.</param>
    /// <returns>The minimizer on the simplex.</returns>
    public static double[] Solve(double[,] h, ReadOnlySpan<double> linear, out int iterations)
    {
        int n = h.GetLength(0);
        var w = new double[n];
        Array.Fill(w, 1.0 / n);
        iterations = 0;
        if (n == 1)
        {
            return w;
        }

        double scale = MeanDiagonal(h);
        if (scale <= 0)
        {
            return w;
        }

        double tolerance = 1e-12 * scale;
        var free = new bool[n];
        Array.Fill(free, true);
        var candidate = new double[n];
        int maxIterations = (10 * n) + 50;
        for (iterations = 1; iterations <= maxIterations; iterations++)
        {
            double mu = SolveEquality(h, linear, free, scale, candidate);
            bool feasible = true;
            for (int i = 0; i < n; i++)
            {
                if (free[i] && candidate[i] < 0)
                {
                    feasible = false;
                    break;
                }
            }

            if (feasible)
            {
                Array.Copy(candidate, w, n);

                // Multipliers of the bounds: λ_i = (H w + c)_i − μ must be ≥ 0 at the optimum.
                int release = -1;
                double worst = -tolerance;
                for (int i = 0; i < n; i++)
                {
                    if (free[i])
                    {
                        continue;
                    }

                    double lambda = RowDot(h, i, w) + (linear.IsEmpty ? 0 : linear[i]) - mu;
                    if (lambda < worst)
                    {
                        worst = lambda;
                        release = i;
                    }
                }

                if (release < 0)
                {
                    return w;
                }

                free[release] = true;
                continue;
            }

            // Move toward the candidate until the first free weight reaches zero, then fix that weight.
            double step = 1;
            int blocking = -1;
            for (int i = 0; i < n; i++)
            {
                if (free[i] && candidate[i] < w[i] && candidate[i] < 0)
                {
                    double ratio = w[i] / (w[i] - candidate[i]);
                    if (ratio < step)
                    {
                        step = ratio;
                        blocking = i;
                    }
                }
            }

            for (int i = 0; i < n; i++)
            {
                if (free[i])
                {
                    w[i] += step * (candidate[i] - w[i]);
                }
            }

            if (blocking >= 0)
            {
                free[blocking] = false;
                w[blocking] = 0;
            }

            Normalize(w);
        }

        return w;
    }

    /// <summary>
    /// Solves the pure quadratic with Frank-Wolfe as MGDA's reference implementations do: exact line search on the
    /// segment toward the vertex of the smallest gradient entry, stopping when the step is below
    /// <paramref name="stopCriterion"/>.
    /// </summary>
    public static double[] SolveFrankWolfe(double[,] h, int maxIterations, double stopCriterion, out int iterations)
    {
        int n = h.GetLength(0);
        var w = new double[n];
        Array.Fill(w, 1.0 / n);
        var hw = new double[n];
        iterations = 0;
        for (iterations = 1; iterations <= maxIterations; iterations++)
        {
            for (int i = 0; i < n; i++)
            {
                hw[i] = RowDot(h, i, w);
            }

            int vertex = 0;
            for (int i = 1; i < n; i++)
            {
                if (hw[i] < hw[vertex])
                {
                    vertex = i;
                }
            }

            // Minimize |(1-γ) Jᵀw + γ g_v|² over γ ∈ [0, 1]: a one-dimensional quadratic.
            double wHw = 0;
            for (int i = 0; i < n; i++)
            {
                wHw += w[i] * hw[i];
            }

            double vHw = hw[vertex];
            double vHv = h[vertex, vertex];
            double denominator = wHw - (2 * vHw) + vHv;
            double gamma = denominator > 0 ? Math.Clamp((wHw - vHw) / denominator, 0, 1) : 0;
            for (int i = 0; i < n; i++)
            {
                w[i] *= 1 - gamma;
            }

            w[vertex] += gamma;
            if (gamma < stopCriterion)
            {
                break;
            }
        }

        return w;
    }

    internal static double RowDot(double[,] h, int i, ReadOnlySpan<double> w)
    {
        double sum = 0;
        for (int j = 0; j < w.Length; j++)
        {
            sum += h[i, j] * w[j];
        }

        return sum;
    }

    internal static double MeanDiagonal(double[,] h)
    {
        int n = h.GetLength(0);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += h[i, i];
        }

        return sum / n;
    }

    private static double SolveEquality(
        double[,] h, ReadOnlySpan<double> linear, bool[] free, double scale, double[] candidate)
    {
        int n = free.Length;
        Span<int> indices = stackalloc int[n];
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (free[i])
            {
                indices[count++] = i;
            }
        }

        indices = indices[..count];
        Cholesky factor = Cholesky.TryFactor(h, indices, Ridge * scale)
            ?? Cholesky.FactorWithJitter(h, indices, scale);
        Span<double> a = stackalloc double[count];
        Span<double> b = stackalloc double[count];
        for (int k = 0; k < count; k++)
        {
            a[k] = 1;
            b[k] = linear.IsEmpty ? 0 : linear[indices[k]];
        }

        factor.Solve(a);
        factor.Solve(b);
        double sumA = 0;
        double sumB = 0;
        for (int k = 0; k < count; k++)
        {
            sumA += a[k];
            sumB += b[k];
        }

        // Stationarity H_FF w_F + c_F = μ 1 with 1ᵀ w_F = 1 gives w_F = μ a − b and μ = (1 + Σb) / Σa.
        double mu = (1 + sumB) / sumA;
        Array.Clear(candidate);
        for (int k = 0; k < count; k++)
        {
            candidate[indices[k]] = (mu * a[k]) - b[k];
        }

        return mu;
    }

    private static void Normalize(double[] w)
    {
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = Math.Max(w[i], 0);
            sum += w[i];
        }

        for (int i = 0; i < w.Length; i++)
        {
            w[i] /= sum;
        }
    }
}
