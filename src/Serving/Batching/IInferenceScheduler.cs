namespace MtlOnnx.Serving.Batching;

/// <summary>Runs the requests of one model version: one at a time, or gathered into batches.</summary>
internal interface IInferenceScheduler : IAsyncDisposable
{
    /// <summary>Gets the number of requests waiting or running.</summary>
    int Pending { get; }

    /// <summary>Queues a request and waits for its result.</summary>
    /// <param name="work">The request.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ServingException">The queue is full (<c>ResourceExhausted</c>) or closed (<c>Unavailable</c>).</exception>
    /// <exception cref="OperationCanceledException">The request was cancelled or its deadline passed.</exception>
    Task<InferResult> RunAsync(InferenceWork work);
}
