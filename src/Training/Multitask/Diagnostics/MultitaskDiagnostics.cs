namespace MtlOnnx.Training.Multitask.Diagnostics;

/// <summary>
/// Holds the per-step measurements of how the task gradients relate and how the update treats each task.
/// </summary>
/// <remarks>The arrays are reused from step to step; copy them to keep a history.</remarks>
public sealed class MultitaskDiagnostics
{
    /// <summary>Initializes a new <see cref="MultitaskDiagnostics"/> for the given number of tasks.</summary>
    /// <param name="taskCount">The number of tasks T.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public MultitaskDiagnostics(int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        TaskCount = taskCount;
        TaskWeights = new double[taskCount];
        GradientNorms = new double[taskCount];
        Survival = new double[taskCount];
        Cosine = new double[taskCount, taskCount];
        MagnitudeSimilarity = new double[taskCount, taskCount];
    }

    /// <summary>Gets the number of tasks.</summary>
    public int TaskCount { get; }

    /// <summary>
    /// Gets the effective weight of each task gradient in the update (update = Σ w_t g_t), or NaN for aggregators
    /// whose update is not a weighted sum.
    /// </summary>
    public double[] TaskWeights { get; }

    /// <summary>Gets the Euclidean norm of each task gradient.</summary>
    public double[] GradientNorms { get; }

    /// <summary>Gets the pairwise cosine similarity of the task gradients (0 where a gradient is zero).</summary>
    public double[,] Cosine { get; }

    /// <summary>
    /// Gets the pairwise gradient-magnitude similarity 2|g_i||g_j| / (|g_i|² + |g_j|²): 1 for equal norms, toward 0
    /// when one gradient dominates.
    /// </summary>
    public double[,] MagnitudeSimilarity { get; }

    /// <summary>Gets the share of task pairs whose gradients conflict (negative inner product), in [0, 1].</summary>
    public double ConflictShare { get; set; }

    /// <summary>
    /// Gets how much of each task gradient survives in the update: <c>(update · g_t) / |g_t|²</c>. A value of 1 means
    /// the update moves along g_t as far as g_t itself would; a negative value means the update increases the loss.
    /// </summary>
    public double[] Survival { get; }

    /// <summary>Gets or sets the time spent computing the Gram matrix in the last step.</summary>
    public TimeSpan GramTime { get; set; }

    /// <summary>Gets or sets the time spent in the method's own solver in the last step.</summary>
    public TimeSpan SolverTime { get; set; }

    /// <summary>
    /// Gets or sets the time spent forming the update (weighted sum or coordinate pass) in the last step.
    /// </summary>
    public TimeSpan UpdateTime { get; set; }
}
