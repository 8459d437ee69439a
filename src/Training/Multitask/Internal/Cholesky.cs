namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>Factors and solves small symmetric positive definite systems, optionally on a subset of indices.</summary>
internal sealed class Cholesky
{
    private readonly double[] _lower;
    private readonly int[] _indices;
    private readonly int _n;

    private Cholesky(double[] lower, int[] indices, int n)
    {
        _lower = lower;
        _indices = indices;
        _n = n;
    }

    /// <summary>Factors the principal submatrix <c>a[idx, idx] + shift·I</c>.</summary>
    /// <returns>The factor, or <see langword="null"/> when the submatrix is not numerically positive definite.</returns>
    public static Cholesky? TryFactor(double[,] a, ReadOnlySpan<int> indices, double shift = 0)
    {
        int n = indices.Length;
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[indices[i], indices[j]] + (i == j ? shift : 0);
                for (int k = 0; k < j; k++)
                {
                    sum -= l[(i * n) + k] * l[(j * n) + k];
                }

                if (i == j)
                {
                    if (!(sum > 0) || double.IsInfinity(sum))
                    {
                        return null;
                    }

                    l[(i * n) + i] = Math.Sqrt(sum);
                }
                else
                {
                    l[(i * n) + j] = sum / l[(j * n) + j];
                }
            }
        }

        return new Cholesky(l, indices.ToArray(), n);
    }

    /// <summary>
    /// Factors <c>a[idx, idx]</c>, adding the smallest diagonal shift from a geometric ladder that makes it positive
    /// definite; used where the matrix is positive semidefinite in theory but may be singular in practice.
    /// </summary>
    public static Cholesky FactorWithJitter(double[,] a, ReadOnlySpan<int> indices, double scale)
    {
        Cholesky? factor = TryFactor(a, indices);
        double shift = Math.Max(scale, double.Epsilon) * 1e-14;
        while (factor is null)
        {
            factor = TryFactor(a, indices, shift);
            shift *= 100;
        }

        return factor;
    }

    /// <summary>Gets the indices of the factored submatrix, in order.</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>Solves <c>A x = b</c> in place, where b and x are indexed like the factored submatrix.</summary>
    public void Solve(Span<double> x)
    {
        int n = _n;
        for (int i = 0; i < n; i++)
        {
            double sum = x[i];
            for (int k = 0; k < i; k++)
            {
                sum -= _lower[(i * n) + k] * x[k];
            }

            x[i] = sum / _lower[(i * n) + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double sum = x[i];
            for (int k = i + 1; k < n; k++)
            {
                sum -= _lower[(k * n) + i] * x[k];
            }

            x[i] = sum / _lower[(i * n) + i];
        }
    }
}
