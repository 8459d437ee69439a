namespace MtlOnnx.Serving;

/// <summary>
/// Defaults of dynamic batching (configuration section <c>Serving:Batching</c>), used for models whose
/// <c>config.pbtxt</c> does not say otherwise.
/// </summary>
public sealed class BatchingOptions
{
    /// <summary>
    /// Gets or sets whether models without a <c>config.pbtxt</c> batch requests dynamically when their inputs and
    /// outputs have a batch dimension. Defaults to <see langword="true"/>.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the largest batch of a model without a <c>config.pbtxt</c>. Defaults to 64.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// Gets or sets how long the first request of a batch may wait for more, in microseconds. Defaults to 0:
    /// batches hold what queued while the previous run was busy, and no request waits for company.
    /// </summary>
    public long MaxQueueDelayMicroseconds { get; set; }

    /// <summary>
    /// Gets or sets how many requests may wait for one model version; more are refused with
    /// <c>ResourceExhausted</c>. Defaults to 1024.
    /// </summary>
    public int MaxQueueSize { get; set; } = 1024;

    /// <summary>Gets or sets how many batches of one model version may run at once. Defaults to 2.</summary>
    public int Instances { get; set; } = 2;
}
