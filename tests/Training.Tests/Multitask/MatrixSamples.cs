using MtlOnnx.Training.Multitask;

namespace MtlOnnx.Training.Tests.Multitask;

/// <summary>Seeded task-gradient matrices of chosen shape and rank for the aggregator tests.</summary>
internal static class MatrixSamples
{
    /// <summary>The (tasks, length, rank) shapes of the property tests, seeded by their index.</summary>
    public static readonly (int Tasks, int Length, int Rank)[] Shapes =
    [
        (1, 1, 1), (2, 5, 2), (2, 5, 1), (3, 4, 3), (4, 3, 1), (4, 3, 2), (4, 3, 3),
        (5, 40, 5), (9, 11, 5), (9, 11, 9), (12, 200, 12), (12, 200, 4),
    ];

    /// <summary>Creates a T×P matrix of rank r as the product of Gaussian T×r and r×P factors, times a scale.</summary>
    public static float[][] Create(int tasks, int length, int rank, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var left = new double[tasks, rank];
        var right = new double[rank, length];
        for (int i = 0; i < tasks; i++)
        {
            for (int k = 0; k < rank; k++)
            {
                left[i, k] = Gaussian(random);
            }
        }

        for (int k = 0; k < rank; k++)
        {
            for (int j = 0; j < length; j++)
            {
                right[k, j] = Gaussian(random);
            }
        }

        var rows = new float[tasks][];
        for (int i = 0; i < tasks; i++)
        {
            rows[i] = new float[length];
            for (int j = 0; j < length; j++)
            {
                double sum = 0;
                for (int k = 0; k < rank; k++)
                {
                    sum += left[i, k] * right[k, j];
                }

                rows[i][j] = (float)(sum * scale / Math.Sqrt(rank));
            }
        }

        return rows;
    }

    /// <summary>Returns a copy of the rows in the order given by <paramref name="permutation"/>.</summary>
    public static float[][] Permute(float[][] rows, int[] permutation) => permutation.Select(i => rows[i]).ToArray();

    /// <summary>Returns a seeded random permutation of 0..n-1.</summary>
    public static int[] Permutation(int n, int seed)
    {
        int[] p = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(p);
        return p;
    }

    /// <summary>Computes the update of an aggregator on the rows.</summary>
    public static float[] Aggregate(string method, float[][] rows, IReadOnlyDictionary<string, object?>? options = null) =>
        AggregateWithScale(method, rows, options).Update;

    /// <summary>
    /// Computes the update and the magnitude of the terms it sums, Σ |w_i| |g_i| (or Σ |g_i| for coordinate methods):
    /// float rounding of the update is relative to that magnitude, not to the update's own norm, which vanishes at a
    /// Pareto-stationary point.
    /// </summary>
    public static (float[] Update, double Magnitude) AggregateWithScale(
        string method, float[][] rows, IReadOnlyDictionary<string, object?>? options = null)
    {
        var aggregation = new MtlOnnx.Training.Multitask.Aggregation.GradientAggregation(
            MtlOnnx.Training.Multitask.Aggregation.GradientAggregators.Create(method, rows.Length, options));
        var update = new float[rows[0].Length];
        aggregation.Aggregate(new GradientMatrix(rows), Losses(rows.Length), update);
        double magnitude = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            double w = aggregation.LastWeights[i];
            magnitude += (double.IsNaN(w) ? 1 : Math.Abs(w)) * Norm(rows[i]);
        }

        return (update, magnitude);
    }

    /// <summary>Positive losses for methods that read them.</summary>
    public static float[] Losses(int tasks) => Enumerable.Range(0, tasks).Select(i => 0.5f + (0.25f * i)).ToArray();

    /// <summary>Computes a dot product in double precision.</summary>
    public static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Computes a Euclidean norm in double precision.</summary>
    public static double Norm(float[] a) => Math.Sqrt(Dot(a, a));

    internal static double Gaussian(Random random)
    {
        double u = 1 - random.NextDouble();
        double v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
