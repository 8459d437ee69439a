namespace MtlOnnx.Training.Multitask;

/// <summary>
/// Represents the symmetric T×T matrix of inner products between task gradients, in double precision.
/// </summary>
/// <remarks>
/// Entry (i, j) is <c>g_i · g_j</c>. Most aggregators only read this matrix to compute their task weights, so it
/// is the whole interface between the large gradient buffers and the small solvers.
/// </remarks>
public sealed class GramMatrix
{
    private readonly double[] _values;

    /// <summary>Initializes a new zero <see cref="GramMatrix"/> for the given number of tasks.</summary>
    /// <param name="taskCount">The number of tasks T.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public GramMatrix(int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        _values = new double[taskCount * taskCount];
    }

    /// <summary>Gets the number of tasks T.</summary>
    public int TaskCount { get; }

    /// <summary>
    /// Gets or sets the inner product of the gradients of tasks <paramref name="i"/> and <paramref name="j"/>.
    /// </summary>
    /// <param name="i">The row task index.</param>
    /// <param name="j">The column task index.</param>
    /// <remarks>Setting an entry sets only that entry; callers keep the matrix symmetric.</remarks>
    public double this[int i, int j]
    {
        get => _values[(i * TaskCount) + j];
        set => _values[(i * TaskCount) + j] = value;
    }

    /// <summary>Gets the trace, the sum of the squared gradient norms.</summary>
    public double Trace
    {
        get
        {
            double sum = 0;
            for (int i = 0; i < TaskCount; i++)
            {
                sum += this[i, i];
            }

            return sum;
        }
    }

    /// <summary>Gets the row-major entries as a read-only span of length T².</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Gets the row-major entries as a writable span of length T².</summary>
    internal Span<double> WritableValues => _values;

    /// <summary>Creates a Gram matrix from explicit rows, for tests and small problems.</summary>
    /// <param name="rows">The T gradient rows, each of the same length.</param>
    /// <returns>The Gram matrix of the rows, accumulated in double precision.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> is <see langword="null"/>.</exception>
    public static GramMatrix FromRows(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new GradientMatrix(rows).ComputeGram();
    }

    /// <summary>Gets the Euclidean norm of the gradient of a task, the square root of its diagonal entry.</summary>
    /// <param name="task">The task index.</param>
    /// <returns>The gradient norm, never negative.</returns>
    public double Norm(int task) => Math.Sqrt(Math.Max(this[task, task], 0));

    /// <summary>
    /// Computes <c>(G w)_i</c>, the inner product of task <paramref name="i"/>'s gradient with Σ w_j g_j.
    /// </summary>
    /// <param name="i">The task index.</param>
    /// <param name="weights">The T combination weights.</param>
    /// <returns>The inner product.</returns>
    public double RowDot(int i, ReadOnlySpan<double> weights)
    {
        double sum = 0;
        ReadOnlySpan<double> row = _values.AsSpan(i * TaskCount, TaskCount);
        for (int j = 0; j < TaskCount; j++)
        {
            sum += row[j] * weights[j];
        }

        return sum;
    }

    /// <summary>Computes <c>wᵀ G w</c>, the squared norm of the combination Σ w_i g_i.</summary>
    /// <param name="weights">The T combination weights.</param>
    /// <returns>The squared norm, clamped at zero against rounding.</returns>
    public double QuadraticForm(ReadOnlySpan<double> weights)
    {
        double sum = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            sum += weights[i] * RowDot(i, weights);
        }

        return Math.Max(sum, 0);
    }

    /// <summary>Creates a copy of this matrix.</summary>
    /// <returns>A new matrix with the same entries.</returns>
    public GramMatrix Clone()
    {
        var copy = new GramMatrix(TaskCount);
        _values.CopyTo(copy._values, 0);
        return copy;
    }

    /// <summary>Copies the entries into a new square array, for solvers that index by row and column.</summary>
    /// <param name="scale">A factor applied to every entry.</param>
    /// <returns>A new T×T array.</returns>
    internal double[,] ToArray(double scale = 1)
    {
        var result = new double[TaskCount, TaskCount];
        for (int i = 0; i < TaskCount; i++)
        {
            for (int j = 0; j < TaskCount; j++)
            {
                result[i, j] = this[i, j] * scale;
            }
        }

        return result;
    }
}
