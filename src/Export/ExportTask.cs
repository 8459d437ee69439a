using MtlOnnx.ModelCards;

namespace MtlOnnx.Export;

/// <summary>
/// One task of a multi-task model as the export sees it: its name, its kind, and the tensor of the eval graph that
/// holds its raw output (logits, or the regressed values).
/// </summary>
public sealed class ExportTask
{
    /// <summary>Initializes a task.</summary>
    /// <param name="name">The task name; it becomes the name of the exported output.</param>
    /// <param name="kind">The task kind.</param>
    /// <param name="sourceOutput">The eval graph's tensor with the task's raw output.</param>
    /// <exception cref="ArgumentException">A name is null or empty.</exception>
    public ExportTask(string name, TaskKind kind, string sourceOutput)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(sourceOutput);
        Name = name;
        Kind = kind;
        SourceOutput = sourceOutput;
    }

    /// <summary>Gets the task name.</summary>
    public string Name { get; }

    /// <summary>Gets the task kind.</summary>
    public TaskKind Kind { get; }

    /// <summary>Gets the eval graph's tensor that holds the task's raw output.</summary>
    public string SourceOutput { get; }

    /// <summary>Gets or sets the label names, in output order; empty when the task has none (regression).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Gets whether the task's output is a classification, which gets probabilities and a label.</summary>
    public bool IsClassification => Kind is not TaskKind.Regression;
}
