namespace MtlOnnx.Training.Jobs;

/// <summary>When to stop before the last epoch and which epoch's checkpoint counts as best.</summary>
public sealed class EarlyStoppingSpec
{
    /// <summary>
    /// Gets the validation quantity watched: <c>loss</c> (the sum of task losses) or <c>TASK.METRIC</c>, for example
    /// <c>shape.accuracy</c>. The default is <c>loss</c>.
    /// </summary>
    public string Metric { get; init; } = "loss";

    /// <summary>Gets the number of epochs without improvement before stopping, or 0 to never stop early.</summary>
    public int Patience { get; init; }

    /// <summary>Gets the smallest change that counts as an improvement. The default is 0.</summary>
    public double MinDelta { get; init; }
}
