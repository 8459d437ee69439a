namespace MtlOnnx.ModelCards;

/// <summary>
/// One task head: its kind, its labels and the graph outputs that hold its predictions.
/// </summary>
public sealed class ModelCardTask
{
    /// <summary>Gets or sets the task's name, unique in the model.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the task's kind. The default is <see cref="TaskKind.Multiclass"/>.</summary>
    public TaskKind Kind { get; set; } = TaskKind.Multiclass;

    /// <summary>
    /// Gets or sets the labels: one per logit for classification (two, negative then positive, or none for
    /// binary), or the names of the predicted values for regression (none for a single value).
    /// </summary>
    public IList<string> Labels { get; set; } = [];

    /// <summary>
    /// Gets or sets the graph outputs of the task. The first holds the logits or the standardised values;
    /// export may add more (probabilities, top label).
    /// </summary>
    public IList<string> Outputs { get; set; } = [];

    /// <summary>Gets or sets the units of a regression task's values, for example <c>EUR</c>. The default is none.
    /// </summary>
    public string? Units { get; set; }

    /// <summary>
    /// Gets or sets the mean of each regression target in its original units, used to de-standardise:
    /// <c>value = output * std + mean</c>. One value per predicted value; regression only.
    /// </summary>
    public IList<double>? RegressionMean { get; set; }

    /// <summary>Gets or sets the standard deviation of each regression target in its original units; positive.
    /// Regression only.</summary>
    public IList<double>? RegressionStd { get; set; }

    /// <summary>Gets the number of values the first output holds per sample.</summary>
    /// <returns>The width of the task's output.</returns>
    public int OutputWidth() => Kind switch
    {
        TaskKind.Binary => 1,
        TaskKind.Regression => Math.Max(1, Labels.Count),
        _ => Labels.Count,
    };

    /// <summary>Converts a standardised regression output to the target's original units.</summary>
    /// <param name="component">The index of the predicted value.</param>
    /// <param name="standardised">The model's output.</param>
    /// <returns>The value in <see cref="Units"/>.</returns>
    /// <exception cref="InvalidOperationException">The task is not a regression task.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="component"/> is out of range.</exception>
    public double Destandardize(int component, double standardised)
    {
        if (Kind != TaskKind.Regression)
        {
            throw new InvalidOperationException($"Task '{Name}' is {Kind}, not regression; it has no target units.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(component);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(component, OutputWidth());
        var mean = RegressionMean is { Count: > 0 } m ? m[component] : 0.0;
        var std = RegressionStd is { Count: > 0 } s ? s[component] : 1.0;
        return (standardised * std) + mean;
    }
}
