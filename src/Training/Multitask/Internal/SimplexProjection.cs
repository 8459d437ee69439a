namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>Projects a vector onto the probability simplex in the Euclidean norm (sort-and-threshold method).</summary>
internal static class SimplexProjection
{
    /// <summary>Overwrites <paramref name="x"/> with its projection onto { w ≥ 0, Σ w = 1 }.</summary>
    public static void Project(Span<double> x)
    {
        int n = x.Length;
        Span<double> sorted = stackalloc double[n];
        x.CopyTo(sorted);
        sorted.Sort();
        double cumulative = 0;
        double theta = 0;
        for (int k = n - 1; k >= 0; k--)
        {
            cumulative += sorted[k];
            double candidate = (cumulative - 1) / (n - k);
            if (k == 0 || sorted[k - 1] <= candidate)
            {
                theta = candidate;
                break;
            }
        }

        for (int i = 0; i < n; i++)
        {
            x[i] = Math.Max(x[i] - theta, 0);
        }
    }
}
