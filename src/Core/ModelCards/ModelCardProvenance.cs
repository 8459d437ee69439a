namespace MtlOnnx.ModelCards;

/// <summary>
/// Where a model came from: the job that trained it, on which data, with which results.
/// </summary>
public sealed class ModelCardProvenance
{
    /// <summary>Gets or sets the hash of the job file that trained the model.</summary>
    public string JobHash { get; set; } = "";

    /// <summary>Gets or sets the name of the training dataset.</summary>
    public string Dataset { get; set; } = "";

    /// <summary>Gets or sets the final metrics, keyed <c>task.metric</c>, for example <c>colour.accuracy</c>.</summary>
    public IDictionary<string, double> Metrics { get; set; } = new Dictionary<string, double>();

    /// <summary>Gets or sets when the model was created, in UTC.</summary>
    public DateTimeOffset CreatedUtc { get; set; }
}
