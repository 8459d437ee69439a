namespace MtlOnnx.Serving.Batching;

/// <summary>Runs each request on its own, as soon as the run gate allows; bounds how many may wait.</summary>
internal sealed class DirectScheduler : IInferenceScheduler
{
    private readonly ModelExecutor _executor;
    private readonly int _maxPending;
    private int _pending;
    private volatile bool _closed;

    /// <summary>Initializes a scheduler.</summary>
    /// <param name="executor">Runs the requests.</param>
    /// <param name="maxQueueSize">How many requests may wait or run; more are refused.</param>
    public DirectScheduler(ModelExecutor executor, int maxQueueSize)
    {
        _executor = executor;
        _maxPending = maxQueueSize;
    }

    /// <inheritdoc />
    public int Pending => Volatile.Read(ref _pending);

    /// <inheritdoc />
    public async Task<InferResult> RunAsync(InferenceWork work)
    {
        if (_closed)
        {
            throw new ServingException(Grpc.Core.StatusCode.Unavailable, $"{_executor.Label} is unloading.");
        }

        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            throw new ServingException(Grpc.Core.StatusCode.ResourceExhausted,
                $"The queue of {_executor.Label} is full ({_maxPending} requests); retry later.");
        }

        try
        {
            await _executor.ExecuteAsync([work], work.BatchSize, work.OutputNames, work.CancellationToken)
                .ConfigureAwait(false);
            return await work.Completion.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _closed = true;

        // Requests already admitted finish on this version: that is what makes a hot reload lose nothing.
        while (Volatile.Read(ref _pending) > 0)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }
}
