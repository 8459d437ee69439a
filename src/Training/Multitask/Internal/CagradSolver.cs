namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Solves CAGrad's dual problem <c>min_{w ∈ Δ} wᵀ G b + k √(wᵀ G w)</c> (b = 1/T) by accelerated projected
/// gradient with backtracking and adaptive restart.
/// </summary>
/// <remarks>
/// The objective is convex but not smooth where <c>G w = 0</c>; a smoothing term of 1e-14 times the mean diagonal
/// under the root keeps the gradient finite there, far below the accuracy that matters for the update direction.
/// </remarks>
internal static class CagradSolver
{
    private const int MaxIterations = 5000;

    /// <summary>Returns the minimizing simplex weights.</summary>
    /// <param name="g">The Gram matrix, ideally normalized to a mean diagonal of 1.</param>
    /// <param name="k">The coefficient of the norm term, c·|g0| in the same normalization.</param>
    /// <param name="iterations">The number of iterations used.</param>
    /// <returns>The weights w.</returns>
    public static double[] Solve(double[,] g, double k, out int iterations)
    {
        int n = g.GetLength(0);
        double scale = SimplexQpSolver.MeanDiagonal(g);
        double epsilon = 1e-14 * Math.Max(scale, double.Epsilon);
        var gb = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                gb[i] += g[i, j] / n;
            }
        }

        var x = new double[n];
        Array.Fill(x, 1.0 / n);
        var y = (double[])x.Clone();
        var xPrevious = (double[])x.Clone();
        var gradient = new double[n];
        var trial = new double[n];
        double stepSize = 1 / Math.Max(scale * n * (1 + k), double.Epsilon);
        double momentum = 1;
        double fx = Objective(g, gb, k, epsilon, x);
        iterations = 0;
        for (iterations = 1; iterations <= MaxIterations; iterations++)
        {
            double fy = Gradient(g, gb, k, epsilon, y, gradient);

            // Backtracking: accept the step once the quadratic upper bound at y holds.
            double fTrial;
            while (true)
            {
                for (int i = 0; i < n; i++)
                {
                    trial[i] = y[i] - (stepSize * gradient[i]);
                }

                SimplexProjection.Project(trial);
                fTrial = Objective(g, gb, k, epsilon, trial);
                double bound = fy;
                double distance = 0;
                for (int i = 0; i < n; i++)
                {
                    double d = trial[i] - y[i];
                    bound += gradient[i] * d;
                    distance += d * d;
                }

                bound += distance / (2 * stepSize);
                if (fTrial <= bound + (1e-15 * Math.Abs(bound)) || stepSize < 1e-300)
                {
                    break;
                }

                stepSize *= 0.5;
            }

            Array.Copy(x, xPrevious, n);
            Array.Copy(trial, x, n);
            double change = 0;
            for (int i = 0; i < n; i++)
            {
                change = Math.Max(change, Math.Abs(x[i] - xPrevious[i]));
            }

            // Restart the momentum whenever the objective goes up, which keeps the method monotone in practice.
            if (fTrial > fx)
            {
                momentum = 1;
                Array.Copy(x, y, n);
            }
            else
            {
                double next = (1 + Math.Sqrt(1 + (4 * momentum * momentum))) / 2;
                double beta = (momentum - 1) / next;
                for (int i = 0; i < n; i++)
                {
                    y[i] = x[i] + (beta * (x[i] - xPrevious[i]));
                }

                momentum = next;
            }

            fx = fTrial;
            stepSize *= 1.5;
            if (change < 1e-13)
            {
                break;
            }
        }

        return x;
    }

    /// <summary>Evaluates the objective at <paramref name="w"/> without smoothing.</summary>
    public static double Objective(double[,] g, double k, ReadOnlySpan<double> w)
    {
        int n = w.Length;
        var gb = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                gb[i] += g[i, j] / n;
            }
        }

        return Objective(g, gb, k, 0, w);
    }

    private static double Objective(double[,] g, double[] gb, double k, double epsilon, ReadOnlySpan<double> w)
    {
        double linear = 0;
        double quadratic = 0;
        for (int i = 0; i < w.Length; i++)
        {
            linear += gb[i] * w[i];
            quadratic += w[i] * SimplexQpSolver.RowDot(g, i, w);
        }

        return linear + (k * Math.Sqrt(Math.Max(quadratic, 0) + epsilon));
    }

    private static double Gradient(double[,] g, double[] gb, double k, double epsilon, double[] w, double[] gradient)
    {
        int n = w.Length;
        double linear = 0;
        double quadratic = 0;
        for (int i = 0; i < n; i++)
        {
            gradient[i] = SimplexQpSolver.RowDot(g, i, w);
            linear += gb[i] * w[i];
            quadratic += w[i] * gradient[i];
        }

        double root = Math.Sqrt(Math.Max(quadratic, 0) + epsilon);
        for (int i = 0; i < n; i++)
        {
            gradient[i] = gb[i] + (k * gradient[i] / root);
        }

        return linear + (k * root);
    }
}
