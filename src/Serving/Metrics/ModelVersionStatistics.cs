using System.Collections.Concurrent;

namespace MtlOnnx.Serving.Metrics;

/// <summary>
/// The cumulative statistics of one model version, kept lock-free: what <c>ModelStatistics</c> answers and what
/// <c>/metrics</c> shows. Counts follow Triton: the inference count adds batch rows, the execution count adds runs.
/// </summary>
internal sealed class ModelVersionStatistics
{
    private readonly ConcurrentDictionary<long, BatchCounters> _batches = new();
    private readonly long[] _failures = new long[Enum.GetValues<FailureReason>().Length];
    private long _inferenceCount;
    private long _executionCount;
    private long _lastInferenceMs;

    /// <summary>Gets successful requests and their total duration.</summary>
    public DurationCounter Success { get; } = new();

    /// <summary>Gets failed requests and their total duration.</summary>
    public DurationCounter Fail { get; } = new();

    /// <summary>Gets the time requests waited in the queue.</summary>
    public DurationCounter Queue { get; } = new();

    /// <summary>Gets the time spent assembling inputs.</summary>
    public DurationCounter ComputeInput { get; } = new();

    /// <summary>Gets the time ONNX Runtime ran.</summary>
    public DurationCounter ComputeInfer { get; } = new();

    /// <summary>Gets the time spent splitting outputs.</summary>
    public DurationCounter ComputeOutput { get; } = new();

    /// <summary>
    /// Gets the time successful requests spent turning the request into tensors (protocol decoding, or image and text
    /// preprocessing), which Triton's statistics leave inside the request duration.
    /// </summary>
    public DurationCounter Decode { get; } = new();

    /// <summary>Gets the time successful requests spent writing their responses from the outputs.</summary>
    public DurationCounter Encode { get; } = new();

    /// <summary>Gets the distribution of request durations in seconds.</summary>
    public Histogram RequestSeconds { get; } = new(Histogram.LatencySeconds);

    /// <summary>Gets the distribution of queue times in seconds.</summary>
    public Histogram QueueSeconds { get; } = new(Histogram.LatencySeconds);

    /// <summary>Gets the distribution of execution batch sizes.</summary>
    public Histogram BatchSize { get; } = new(Histogram.BatchSizes);

    /// <summary>Gets the number of batch rows inferred.</summary>
    public long InferenceCount => Interlocked.Read(ref _inferenceCount);

    /// <summary>Gets the number of model runs.</summary>
    public long ExecutionCount => Interlocked.Read(ref _executionCount);

    /// <summary>Gets the time of the last inference, in milliseconds since the epoch; 0 before the first.</summary>
    public long LastInferenceMs => Interlocked.Read(ref _lastInferenceMs);

    /// <summary>Gets the per-batch-size counters, keyed by batch size.</summary>
    public IReadOnlyDictionary<long, BatchCounters> Batches => _batches;

    /// <summary>Returns the failures of one reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count.</returns>
    public long Failures(FailureReason reason) => Interlocked.Read(ref _failures[(int)reason]);

    /// <summary>Records one model run.</summary>
    /// <param name="batchSize">The rows of the batch.</param>
    /// <param name="inputNs">Time to assemble the inputs.</param>
    /// <param name="inferNs">Time ONNX Runtime ran.</param>
    /// <param name="outputNs">Time to split the outputs.</param>
    public void RecordExecution(long batchSize, long inputNs, long inferNs, long outputNs)
    {
        Interlocked.Increment(ref _executionCount);
        Interlocked.Add(ref _inferenceCount, batchSize);
        Interlocked.Exchange(ref _lastInferenceMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        BatchSize.Observe(batchSize);
        var counters = _batches.GetOrAdd(batchSize, static _ => new BatchCounters());
        counters.ComputeInput.Add(inputNs);
        counters.ComputeInfer.Add(inferNs);
        counters.ComputeOutput.Add(outputNs);
    }

    /// <summary>Records a successful request.</summary>
    /// <param name="requestNs">Its whole duration on the server.</param>
    /// <param name="queueNs">Its queue time.</param>
    /// <param name="inputNs">Its share of input assembly.</param>
    /// <param name="inferNs">Its run's duration.</param>
    /// <param name="outputNs">Its share of output splitting.</param>
    /// <param name="decodeNs">Its time to turn the request into tensors.</param>
    /// <param name="encodeNs">Its time to write the response.</param>
    public void RecordSuccess(long requestNs, long queueNs, long inputNs, long inferNs, long outputNs, long decodeNs,
        long encodeNs)
    {
        Success.Add(requestNs);
        Decode.Add(decodeNs);
        Encode.Add(encodeNs);
        Queue.Add(queueNs);
        ComputeInput.Add(inputNs);
        ComputeInfer.Add(inferNs);
        ComputeOutput.Add(outputNs);
        RequestSeconds.Observe(requestNs / 1e9);
        QueueSeconds.Observe(queueNs / 1e9);
    }

    /// <summary>Records a failed request.</summary>
    /// <param name="requestNs">Its duration on the server.</param>
    /// <param name="reason">Why it failed.</param>
    public void RecordFailure(long requestNs, FailureReason reason)
    {
        Fail.Add(requestNs);
        Interlocked.Increment(ref _failures[(int)reason]);
    }

    /// <summary>Records a request that failed with a gRPC status, counted under the reason the status stands for.</summary>
    /// <param name="requestNs">Its duration on the server.</param>
    /// <param name="code">The status it failed with.</param>
    public void RecordFailure(long requestNs, Grpc.Core.StatusCode code) => RecordFailure(requestNs, code switch
    {
        Grpc.Core.StatusCode.ResourceExhausted or Grpc.Core.StatusCode.Unavailable => FailureReason.Rejected,
        Grpc.Core.StatusCode.Cancelled or Grpc.Core.StatusCode.DeadlineExceeded => FailureReason.Canceled,
        Grpc.Core.StatusCode.Internal => FailureReason.Backend,
        _ => FailureReason.Other,
    });

    /// <summary>The compute counters of one batch size.</summary>
    internal sealed class BatchCounters
    {
        /// <summary>Gets the input assembly time of runs of this size.</summary>
        public DurationCounter ComputeInput { get; } = new();

        /// <summary>Gets the run time of runs of this size.</summary>
        public DurationCounter ComputeInfer { get; } = new();

        /// <summary>Gets the output splitting time of runs of this size.</summary>
        public DurationCounter ComputeOutput { get; } = new();
    }
}
