namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Solves Nash-MTL's bargaining condition <c>G α = 1 / α</c> with α &gt; 0 by damped Newton steps on the strictly
/// convex potential <c>φ(α) = ½ αᵀ G α − Σ log α_i</c>, whose unique minimizer is the solution.
/// </summary>
/// <remarks>
/// The Hessian <c>G + diag(1/α²)</c> is positive definite even for singular G, so every step is defined. When a
/// non-negative combination of the gradients vanishes the potential is unbounded and no solution exists; a ridge of
/// 1e-10 times the mean diagonal then keeps the iterates finite, which drives the update of that combination to zero.
/// </remarks>
internal static class NashSolver
{
    private const int MaxIterations = 100;

    /// <summary>Returns α for the tasks whose gradient is non-zero (zero for the others).</summary>
    public static double[] Solve(double[,] g, out int iterations)
    {
        int n = g.GetLength(0);
        var alpha = new double[n];
        iterations = 0;
        double maxDiagonal = 0;
        for (int i = 0; i < n; i++)
        {
            maxDiagonal = Math.Max(maxDiagonal, g[i, i]);
        }

        if (maxDiagonal <= 0)
        {
            return alpha;
        }

        var active = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (g[i, i] > 1e-20 * maxDiagonal)
            {
                active.Add(i);
            }
        }

        int m = active.Count;
        var h = new double[m, m];
        double meanDiagonal = 0;
        for (int a = 0; a < m; a++)
        {
            meanDiagonal += g[active[a], active[a]] / m;
        }

        double ridge = 1e-10 * meanDiagonal;
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                h[a, b] = g[active[a], active[b]] + (a == b ? ridge : 0);
            }
        }

        // α_i = 1/|g_i| solves the problem exactly when the gradients are orthogonal, a good start otherwise.
        var x = new double[m];
        for (int a = 0; a < m; a++)
        {
            x[a] = 1 / Math.Sqrt(h[a, a]);
        }

        var gradient = new double[m];
        var hessian = new double[m, m];
        var direction = new double[m];
        var trial = new double[m];
        int[] all = Enumerable.Range(0, m).ToArray();
        double value = Potential(h, x);
        for (iterations = 1; iterations <= MaxIterations; iterations++)
        {
            for (int a = 0; a < m; a++)
            {
                gradient[a] = SimplexQpSolver.RowDot(h, a, x) - (1 / x[a]);
                for (int b = 0; b < m; b++)
                {
                    hessian[a, b] = h[a, b] + (a == b ? 1 / (x[a] * x[a]) : 0);
                }
            }

            Cholesky factor = Cholesky.FactorWithJitter(hessian, all, meanDiagonal);
            for (int a = 0; a < m; a++)
            {
                direction[a] = -gradient[a];
            }

            factor.Solve(direction);
            double decrement = 0;
            for (int a = 0; a < m; a++)
            {
                decrement -= gradient[a] * direction[a];
            }

            // The Newton decrement is affine invariant: below 1e-24 the potential is within rounding of its minimum.
            if (decrement < 1e-24)
            {
                break;
            }

            double step = 1;
            for (int a = 0; a < m; a++)
            {
                if (direction[a] < 0)
                {
                    step = Math.Min(step, -0.99 * x[a] / direction[a]);
                }
            }

            double trialValue;
            while (true)
            {
                for (int a = 0; a < m; a++)
                {
                    trial[a] = x[a] + (step * direction[a]);
                }

                trialValue = Potential(h, trial);
                if (trialValue <= value - (0.25 * step * decrement) || step < 1e-12)
                {
                    break;
                }

                step *= 0.5;
            }

            if (trialValue > value)
            {
                break;
            }

            Array.Copy(trial, x, m);
            value = trialValue;
        }

        for (int a = 0; a < m; a++)
        {
            alpha[active[a]] = x[a];
        }

        return alpha;
    }

    private static double Potential(double[,] h, double[] x)
    {
        double quadratic = 0;
        double logs = 0;
        for (int a = 0; a < x.Length; a++)
        {
            quadratic += x[a] * SimplexQpSolver.RowDot(h, a, x);
            logs += Math.Log(x[a]);
        }

        return (0.5 * quadratic) - logs;
    }
}
