namespace MtlOnnx.Training.Metrics;

/// <summary>Accumulates one task's predictions over an evaluation and computes its metrics.</summary>
public interface ITaskMetrics
{
    /// <summary>Adds a batch of the head's outputs and the labels.</summary>
    /// <param name="outputs">The head's raw outputs: logits, or standardised predictions; <c>rows × width</c>.</param>
    /// <param name="labels">The batch's labels for the task.</param>
    /// <param name="rows">The number of valid rows.</param>
    void Add(ReadOnlySpan<float> outputs, Data.TaskLabels labels, int rows);

    /// <summary>Computes the metrics of what was added, keyed by metric name (<c>accuracy</c>, <c>rmse</c>, ...).</summary>
    /// <returns>The metrics; empty when no labelled sample was added.</returns>
    IReadOnlyDictionary<string, double> Compute();

    /// <summary>Forgets what was added.</summary>
    void Reset();
}
