using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Metrics;

/// <summary>Creates the metrics accumulator that fits a task's kind.</summary>
public static class TaskMetricsFactory
{
    /// <summary>Creates the accumulator of one task of a built model.</summary>
    /// <param name="task">The task's tensors, with its regression statistics.</param>
    /// <returns>The accumulator.</returns>
    public static ITaskMetrics Create(TaskOutputs task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Task.Kind switch
        {
            TaskKind.Multiclass => new ClassificationMetrics(task.Task.OutputCount),
            TaskKind.Binary => new BinaryMetrics(1),
            TaskKind.Multilabel => new BinaryMetrics(task.Task.OutputCount),
            _ => new RegressionMetrics(task.TargetMean, task.TargetStd),
        };
    }

    /// <summary>Gets whether a larger value of a metric is better.</summary>
    /// <param name="metric">The metric name.</param>
    /// <returns><see langword="true"/> for accuracy, macro-F1, AUROC and R²; <see langword="false"/> for losses and errors.</returns>
    public static bool HigherIsBetter(string metric) => metric is "accuracy" or "macro-f1" or "auroc" or "r2";
}
