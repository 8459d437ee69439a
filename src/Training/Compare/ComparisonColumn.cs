namespace MtlOnnx.Training.Compare;

/// <summary>One metric column of a comparison table: a task and one of its metrics.</summary>
/// <param name="Task">The task name.</param>
/// <param name="Metric">The metric name, for example <c>accuracy</c>.</param>
public sealed record ComparisonColumn(string Task, string Metric)
{
    /// <summary>Gets the column's heading, <c>TASK METRIC</c>.</summary>
    public string Heading => $"{Task} {Metric}";
}
