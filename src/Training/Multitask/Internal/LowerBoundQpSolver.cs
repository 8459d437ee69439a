namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Solves <c>min vᵀ H v</c> subject to <c>v ≥ u</c> for a small positive definite H, the weight-space form of
/// projecting <c>Jᵀu</c> onto the dual cone of the task gradients (UPGrad, DualProj).
/// </summary>
/// <remarks>
/// With <c>z = v − u</c> the problem is a non-negative QP, <c>min ½ zᵀ H z + (H u)ᵀ z, z ≥ 0</c>, solved exactly by
/// the Lawson–Hanson active-set scheme: free the bound with the most negative gradient, solve on the free set, step
/// back to feasibility when the solution leaves the orthant.
/// </remarks>
internal static class LowerBoundQpSolver
{
    /// <summary>Solves the problem and returns v.</summary>
    /// <param name="h">The T×T matrix H, positive definite (a ridge is added by the caller).</param>
    /// <param name="lower">The lower bounds u.</param>
    /// <param name="iterations">The number of linear solves used.</param>
    /// <returns>The minimizer v.</returns>
    public static double[] Solve(double[,] h, ReadOnlySpan<double> lower, out int iterations) =>
        Solve(h, lower, null, out iterations);

    /// <summary>
    /// Solves the problem starting from a guess of the free set, which is updated in place to the final free set;
    /// a good guess (the previous solution of a related problem) saves most of the linear solves.
    /// </summary>
    /// <param name="h">The T×T matrix H.</param>
    /// <param name="lower">The lower bounds u.</param>
    /// <param name="freeGuess">The guessed free indices on entry, the final ones on return; or <see langword="null"/>.</param>
    /// <param name="iterations">The number of linear solves used.</param>
    /// <returns>The minimizer v.</returns>
    public static double[] Solve(double[,] h, ReadOnlySpan<double> lower, bool[]? freeGuess, out int iterations)
    {
        int n = lower.Length;
        var c = new double[n];
        for (int i = 0; i < n; i++)
        {
            c[i] = SimplexQpSolver.RowDot(h, i, lower);
        }

        double scale = Math.Max(SimplexQpSolver.MeanDiagonal(h), 0);
        double uNorm = 0;
        foreach (double value in lower)
        {
            uNorm = Math.Max(uNorm, Math.Abs(value));
        }

        double tolerance = 1e-13 * Math.Max(scale * uNorm, double.Epsilon);
        var z = new double[n];
        var free = new bool[n];
        var candidate = new double[n];
        iterations = 0;
        int maxIterations = (10 * n) + 50;
        bool warm = false;
        if (freeGuess is not null)
        {
            // z = 0 is feasible for any free set, so the guess only changes where the inner loop starts.
            freeGuess.CopyTo(free, 0);
            warm = Array.IndexOf(free, true) >= 0;
        }

        while (iterations < maxIterations)
        {
            if (warm)
            {
                warm = false;
                InnerLoop(h, c, free, scale, z, candidate, ref iterations, maxIterations);
                continue;
            }

            // Gradient of the objective at z; fixed indices with a negative gradient want to grow.
            int release = -1;
            double worst = -tolerance;
            for (int i = 0; i < n; i++)
            {
                if (free[i])
                {
                    continue;
                }

                double gradient = SimplexQpSolver.RowDot(h, i, z) + c[i];
                if (gradient < worst)
                {
                    worst = gradient;
                    release = i;
                }
            }

            if (release < 0)
            {
                break;
            }

            free[release] = true;
            InnerLoop(h, c, free, scale, z, candidate, ref iterations, maxIterations);
        }

        if (freeGuess is not null)
        {
            free.CopyTo(freeGuess, 0);
        }

        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = lower[i] + z[i];
        }

        return v;
    }

    private static void InnerLoop(
        double[,] h, double[] c, bool[] free, double scale, double[] z, double[] candidate, ref int iterations, int max)
    {
        int n = z.Length;
        while (iterations < max)
        {
            iterations++;
            SolveFree(h, c, free, scale, candidate);
            double step = 1;
            int blocking = -1;
            for (int i = 0; i < n; i++)
            {
                if (free[i] && candidate[i] <= 0)
                {
                    double ratio = z[i] / (z[i] - candidate[i]);
                    if (ratio < step)
                    {
                        step = ratio;
                        blocking = i;
                    }
                }
            }

            if (blocking < 0)
            {
                Array.Copy(candidate, z, n);
                return;
            }

            for (int i = 0; i < n; i++)
            {
                if (free[i])
                {
                    z[i] += step * (candidate[i] - z[i]);
                }
            }

            for (int i = 0; i < n; i++)
            {
                if (free[i] && (i == blocking || z[i] <= 0))
                {
                    free[i] = false;
                    z[i] = 0;
                }
            }

            if (Array.IndexOf(free, true) < 0)
            {
                return;
            }
        }
    }

    private static void SolveFree(double[,] h, double[] c, bool[] free, double scale, double[] candidate)
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
        Cholesky factor = Cholesky.TryFactor(h, indices) ?? Cholesky.FactorWithJitter(h, indices, scale);
        Span<double> x = stackalloc double[count];
        for (int k = 0; k < count; k++)
        {
            x[k] = -c[indices[k]];
        }

        factor.Solve(x);
        Array.Clear(candidate);
        for (int k = 0; k < count; k++)
        {
            candidate[indices[k]] = x[k];
        }
    }
}
