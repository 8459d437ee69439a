using System.Numerics.Tensors;

namespace MtlOnnx.Training.Multitask;

/// <summary>
/// Represents a read-only view over T flat per-task gradient buffers of the same length P: the rows of the
/// Jacobian of the task losses with respect to the shared parameters (or the shared representation).
/// </summary>
/// <remarks>
/// The view does not copy the buffers; the caller keeps them alive and unchanged while the view is used.
/// Long reductions run over fixed chunks of the parameter axis, so results do not depend on the number of threads.
/// </remarks>
public sealed class GradientMatrix
{
    // 2048 doubles per row and block keep T=40 rows (640 KiB) inside a typical L2 cache while the
    // T(T+1)/2 dot products of the block run; the float rows are read from memory once per block.
    private const int BlockLength = 2048;

    // Chunks are the unit of parallel work; their count is fixed by P alone, which keeps sums deterministic.
    private const int ChunkLength = 1 << 16;

    private readonly ReadOnlyMemory<float>[] _rows;

    /// <summary>Initializes a new <see cref="GradientMatrix"/> over the given task gradient arrays.</summary>
    /// <param name="rows">One gradient array per task, all of the same length.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="rows"/> or one of its items is <see langword="null"/>.
    /// </exception>
    /// <exception cref="ArgumentException">The rows are empty or differ in length.</exception>
    public GradientMatrix(IReadOnlyList<float[]> rows)
        : this(ToMemories(rows))
    {
    }

    /// <summary>Initializes a new <see cref="GradientMatrix"/> over the given task gradient buffers.</summary>
    /// <param name="rows">One gradient buffer per task, all of the same length.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The rows are empty or differ in length.</exception>
    public GradientMatrix(IReadOnlyList<ReadOnlyMemory<float>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("A gradient matrix needs at least one task gradient; none was given.", nameof(rows));
        }

        _rows = new ReadOnlyMemory<float>[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != rows[0].Length)
            {
                throw new ArgumentException(
                    $"Task gradient {i} has {rows[i].Length} values, but task gradient 0 has {rows[0].Length}; " +
                    "all task gradients must cover the same parameters.",
                    nameof(rows));
            }

            _rows[i] = rows[i];
        }
    }

    /// <summary>Gets the number of tasks T.</summary>
    public int TaskCount => _rows.Length;

    /// <summary>Gets the length P of every task gradient.</summary>
    public int Length => _rows[0].Length;

    /// <summary>
    /// Gets or sets the largest number of threads used by the long reductions; 0 means the processor count.
    /// </summary>
    public int MaxDegreeOfParallelism { get; set; }

    /// <summary>Gets the gradient of one task.</summary>
    /// <param name="task">The task index.</param>
    /// <returns>The task's gradient buffer.</returns>
    public ReadOnlySpan<float> Row(int task) => _rows[task].Span;

    /// <summary>Computes the T×T Gram matrix of the task gradients with double-precision accumulation.</summary>
    /// <returns>A new Gram matrix.</returns>
    public GramMatrix ComputeGram()
    {
        var gram = new GramMatrix(TaskCount);
        ComputeGram(gram);
        return gram;
    }

    /// <summary>Computes the Gram matrix of the task gradients into an existing matrix.</summary>
    /// <param name="destination">The matrix to overwrite; its task count must be T.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another task count.</exception>
    public void ComputeGram(GramMatrix destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.TaskCount != TaskCount)
        {
            throw new ArgumentException(
                $"The destination Gram matrix is {destination.TaskCount}×{destination.TaskCount}, " +
                $"but the gradient matrix has {TaskCount} tasks.",
                nameof(destination));
        }

        int t = TaskCount;
        int chunkCount = ChunkCount();
        var partials = new double[chunkCount][];
        Parallel.For(0, chunkCount, ParallelOptions(), chunk =>
        {
            var partial = new double[t * t];
            var scratch = new double[t * BlockLength];
            int start = chunk * ChunkLength;
            int end = Math.Min(start + ChunkLength, Length);
            for (int blockStart = start; blockStart < end; blockStart += BlockLength)
            {
                int n = Math.Min(BlockLength, end - blockStart);
                AccumulateBlock(blockStart, n, scratch, partial);
            }

            partials[chunk] = partial;
        });

        // Summing the chunk partials in chunk order keeps the result independent of scheduling.
        Span<double> values = destination.WritableValues;
        values.Clear();
        foreach (double[] partial in partials)
        {
            TensorPrimitives.Add(values, partial, values);
        }

        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < i; j++)
            {
                values[(j * t) + i] = values[(i * t) + j];
            }
        }
    }

    /// <summary>
    /// Computes the inner product of one task gradient with another vector, accumulated in double precision.
    /// </summary>
    /// <param name="task">The task index.</param>
    /// <param name="vector">A vector of length P.</param>
    /// <returns>The inner product.</returns>
    /// <exception cref="ArgumentException"><paramref name="vector"/> does not have length P.</exception>
    public double Dot(int task, ReadOnlySpan<float> vector)
    {
        CheckLength(vector.Length, nameof(vector));
        return DotDouble(Row(task), vector);
    }

    /// <summary>Writes Σ_i weights[i] · g_i into <paramref name="destination"/> on the calling thread.</summary>
    /// <param name="weights">The T task weights.</param>
    /// <param name="destination">The buffer of length P to overwrite.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void WeightedSum(ReadOnlySpan<double> weights, Span<float> destination)
    {
        if (weights.Length != TaskCount)
        {
            throw new ArgumentException(
                $"{weights.Length} task weights were given for {TaskCount} task gradients.", nameof(weights));
        }

        CheckLength(destination.Length, nameof(destination));
        var w = new float[TaskCount];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)weights[i];
        }

        // A span cannot cross into Parallel.For; the array overload splits the work over threads.
        WeightedSumRange(w, destination, 0);
    }

    /// <summary>
    /// Writes Σ_i weights[i] · g_i into <paramref name="destination"/>, splitting the work over threads.
    /// </summary>
    /// <param name="weights">The T task weights.</param>
    /// <param name="destination">The array of length P to overwrite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    public void WeightedSum(ReadOnlySpan<double> weights, float[] destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (weights.Length != TaskCount)
        {
            throw new ArgumentException(
                $"{weights.Length} task weights were given for {TaskCount} task gradients.", nameof(weights));
        }

        CheckLength(destination.Length, nameof(destination));
        var w = new float[TaskCount];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)weights[i];
        }

        Parallel.For(0, ChunkCount(), ParallelOptions(), chunk =>
        {
            int start = chunk * ChunkLength;
            int n = Math.Min(ChunkLength, Length - start);
            WeightedSumRange(w, destination.AsSpan(start, n), start);
        });
    }

    internal static double DotDouble(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Span<double> a = stackalloc double[256];
        Span<double> b = stackalloc double[256];
        double sum = 0;
        for (int start = 0; start < x.Length; start += a.Length)
        {
            int n = Math.Min(a.Length, x.Length - start);
            TensorPrimitives.ConvertChecked(x.Slice(start, n), a[..n]);
            TensorPrimitives.ConvertChecked(y.Slice(start, n), b[..n]);
            sum += TensorPrimitives.Dot<double>(a[..n], b[..n]);
        }

        return sum;
    }

    private static ReadOnlyMemory<float>[] ToMemories(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var memories = new ReadOnlyMemory<float>[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(rows[i], nameof(rows));
            memories[i] = rows[i];
        }

        return memories;
    }

    private void AccumulateBlock(int blockStart, int n, double[] scratch, double[] partial)
    {
        int t = TaskCount;

        // Widening to double makes every product exact and the accumulation double-precision, so rank-deficient
        // gradient sets keep eigenvalues near 1e-16 relative instead of the 1e-7 noise of a float accumulation.
        for (int i = 0; i < t; i++)
        {
            TensorPrimitives.ConvertChecked(_rows[i].Span.Slice(blockStart, n), scratch.AsSpan(i * BlockLength, n));
        }

        Internal.GramKernel.Accumulate(scratch, BlockLength, t, n, partial);
    }

    private void WeightedSumRange(float[] weights, Span<float> destination, int offset)
    {
        int n = destination.Length;
        Row(0).Slice(offset, n).CopyTo(destination);
        TensorPrimitives.Multiply(destination, weights[0], destination);
        for (int i = 1; i < TaskCount; i++)
        {
            TensorPrimitives.MultiplyAdd(Row(i).Slice(offset, n), weights[i], destination, destination);
        }
    }

    private int ChunkCount() => Math.Max(1, (Length + ChunkLength - 1) / ChunkLength);

    private ParallelOptions ParallelOptions() => new()
    {
        MaxDegreeOfParallelism = MaxDegreeOfParallelism > 0 ? MaxDegreeOfParallelism : Environment.ProcessorCount,
    };

    private void CheckLength(int length, string name)
    {
        if (length != Length)
        {
            throw new ArgumentException($"The buffer has {length} values, but the task gradients have {Length}.", name);
        }
    }
}
