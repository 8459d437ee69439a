namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// Computes the eigendecomposition of a small symmetric matrix with the cyclic Jacobi method, which is accurate to
/// a few ulps relative to the largest eigenvalue and simple enough to trust for T up to a few hundred.
/// </summary>
internal sealed class SymmetricEigen
{
    private const int MaxSweeps = 100;

    private SymmetricEigen(double[] values, double[,] vectors)
    {
        Values = values;
        Vectors = vectors;
    }

    /// <summary>Gets the eigenvalues in ascending order.</summary>
    public double[] Values { get; }

    /// <summary>Gets the orthonormal eigenvectors as columns, in the order of <see cref="Values"/>.</summary>
    public double[,] Vectors { get; }

    /// <summary>Decomposes the symmetric matrix <paramref name="matrix"/>, which is not modified.</summary>
    public static SymmetricEigen Compute(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }

        double norm = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                norm += a[i, j] * a[i, j];
            }
        }

        // Off-diagonal mass below 1e-15 of the norm moves eigenvalues by less than an ulp of the largest one.
        double threshold = Math.Sqrt(norm) * 1e-15;
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (Math.Sqrt(off) <= threshold || off == 0)
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (Math.Abs(a[p, q]) > threshold * 1e-4)
                    {
                        Rotate(a, v, p, q);
                    }
                }
            }
        }

        var order = new int[n];
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
            values[i] = a[i, i];
        }

        Array.Sort(values, order);
        var vectors = new double[n, n];
        for (int col = 0; col < n; col++)
        {
            for (int row = 0; row < n; row++)
            {
                vectors[row, col] = v[row, order[col]];
            }
        }

        return new SymmetricEigen(values, vectors);
    }

    /// <summary>
    /// Solves <c>A x = b</c> in the least-squares, minimum-norm sense: eigenvalues at or below
    /// <paramref name="relativeTolerance"/> times the largest magnitude are treated as zero.
    /// </summary>
    public double[] PseudoInverseApply(ReadOnlySpan<double> b, double relativeTolerance)
    {
        int n = Values.Length;
        double max = 0;
        foreach (double value in Values)
        {
            max = Math.Max(max, Math.Abs(value));
        }

        var x = new double[n];
        if (max == 0)
        {
            return x;
        }

        for (int k = 0; k < n; k++)
        {
            if (Math.Abs(Values[k]) <= relativeTolerance * max)
            {
                continue;
            }

            double projection = 0;
            for (int i = 0; i < n; i++)
            {
                projection += Vectors[i, k] * b[i];
            }

            projection /= Values[k];
            for (int i = 0; i < n; i++)
            {
                x[i] += Vectors[i, k] * projection;
            }
        }

        return x;
    }

    private static void Rotate(double[,] a, double[,] v, int p, int q)
    {
        int n = a.GetLength(0);
        double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
        double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
        if (double.IsInfinity(theta))
        {
            t = 0;
        }

        double c = 1 / Math.Sqrt((t * t) + 1);
        double s = t * c;
        for (int k = 0; k < n; k++)
        {
            double akp = a[k, p];
            double akq = a[k, q];
            a[k, p] = (c * akp) - (s * akq);
            a[k, q] = (s * akp) + (c * akq);
        }

        for (int k = 0; k < n; k++)
        {
            double apk = a[p, k];
            double aqk = a[q, k];
            a[p, k] = (c * apk) - (s * aqk);
            a[q, k] = (s * apk) + (c * aqk);
        }

        for (int k = 0; k < n; k++)
        {
            double vkp = v[k, p];
            double vkq = v[k, q];
            v[k, p] = (c * vkp) - (s * vkq);
            v[k, q] = (s * vkp) + (c * vkq);
        }
    }
}
