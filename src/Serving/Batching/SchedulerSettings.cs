namespace MtlOnnx.Serving.Batching;

/// <summary>How a model version's requests are scheduled.</summary>
/// <param name="Dynamic">Whether requests are gathered into batches.</param>
/// <param name="MaxBatchSize">The largest batch, in rows; 0 for a model without a batch dimension.</param>
/// <param name="MaxQueueDelayMicroseconds">How long the first request of a batch may wait for more.</param>
/// <param name="MaxQueueSize">How many requests may wait; more are refused.</param>
/// <param name="Instances">How many batches may run at once.</param>
internal sealed record SchedulerSettings(
    bool Dynamic,
    int MaxBatchSize,
    long MaxQueueDelayMicroseconds,
    int MaxQueueSize,
    int Instances);
