namespace MtlOnnx.Training.Jobs;

/// <summary>One task: its name, kind, labels, loss, head and where its labels are read from.</summary>
public sealed class TaskSpec
{
    /// <summary>Gets the task name; it names the task's outputs and its loss.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the task kind.</summary>
    public required TaskKind Kind { get; init; }

    /// <summary>Gets the label names of a classification task, in output order.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Gets the loss. The default follows the kind: cross-entropy, BCE with logits or MSE.</summary>
    public TaskLoss Loss { get; init; }

    /// <summary>Gets the label smoothing of a multiclass task, in [0, 1). The default is 0.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Gets one weight per class of a multiclass task, or an empty list for equal weights.</summary>
    public IReadOnlyList<double> ClassWeights { get; init; } = [];

    /// <summary>Gets the point where the Huber loss turns linear, in standardised units. The default is 1.</summary>
    public double HuberDelta { get; init; } = 1.0;

    /// <summary>Gets the manifest columns of a regression task's targets; the default is one column named after the task.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>Gets the manifest column of a classification task's label; the default is the task name.</summary>
    public string? Column { get; init; }

    /// <summary>Gets the unit of a regression task's targets, for reports.</summary>
    public string? Units { get; init; }

    /// <summary>Gets the hidden widths of the task head before its output layer. The default is none.</summary>
    public IReadOnlyList<int> Head { get; init; } = [];

    /// <summary>Gets the metrics to report; empty means the kind's defaults.</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Gets the number of outputs the head produces: labels for classification, targets for regression.</summary>
    public int OutputCount => Kind switch
    {
        TaskKind.Multiclass or TaskKind.Multilabel => Labels.Count,
        TaskKind.Binary => 1,
        _ => Math.Max(1, Columns.Count),
    };
}
