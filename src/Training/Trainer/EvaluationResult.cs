namespace MtlOnnx.Training.Trainer;

/// <summary>The losses and metrics of a model on one split.</summary>
public sealed class EvaluationResult
{
    /// <summary>Gets the mean loss of each task (over its labelled samples) and regulariser, keyed by name.</summary>
    public required IReadOnlyDictionary<string, double> Losses { get; init; }

    /// <summary>Gets each task's metrics, task → metric → value.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Metrics { get; init; }

    /// <summary>Gets the number of samples evaluated.</summary>
    public required int Samples { get; init; }

    /// <summary>Gets one metric by its <c>TASK.METRIC</c> name, or a task's loss by <c>TASK.loss</c>.</summary>
    /// <param name="name">The dotted name.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    public double? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return null;
        }

        var (task, metric) = (name[..dot], name[(dot + 1)..]);
        if (metric == "loss")
        {
            return Losses.TryGetValue(task, out var loss) ? loss : null;
        }

        return Metrics.TryGetValue(task, out var values) && values.TryGetValue(metric, out var value) ? value : null;
    }
}
