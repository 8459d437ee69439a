using System.Diagnostics;
using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Batching;

/// <summary>One request on its way through a scheduler: its inputs, its deadline and where its result goes.</summary>
internal sealed class InferenceWork
{
    private readonly TaskCompletionSource<InferResult> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Initializes a request.</summary>
    /// <param name="inputs">One tensor per model input, in the model's input order.</param>
    /// <param name="outputNames">The outputs the caller wants; a batched run computes every output.</param>
    /// <param name="batchSize">The request's size along the batch dimension; 1 for a model without one.</param>
    /// <param name="cancellationToken">Fires when the caller goes away or its deadline passes.</param>
    public InferenceWork(InferTensor[] inputs, IReadOnlyList<string> outputNames, long batchSize,
        CancellationToken cancellationToken)
    {
        Inputs = inputs;
        OutputNames = outputNames;
        BatchSize = batchSize;
        CancellationToken = cancellationToken;
        EnqueuedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Gets the inputs, in the model's input order.</summary>
    public InferTensor[] Inputs { get; }

    /// <summary>Gets the outputs the caller wants.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Gets the request's size along the batch dimension.</summary>
    public long BatchSize { get; }

    /// <summary>Gets the token that fires when the caller goes away or its deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets the <see cref="Stopwatch"/> timestamp at which the request was queued.</summary>
    public long EnqueuedAt { get; }

    /// <summary>Gets the task that completes with the result.</summary>
    public Task<InferResult> Completion => _completion.Task;

    /// <summary>Gets whether the request has a result, an error or was cancelled already.</summary>
    public bool IsDone => _completion.Task.IsCompleted;

    /// <summary>Completes the request with its result.</summary>
    /// <param name="result">The result.</param>
    public void Complete(InferResult result) => _completion.TrySetResult(result);

    /// <summary>Completes the request with an error.</summary>
    /// <param name="error">The error.</param>
    public void Fail(Exception error) => _completion.TrySetException(error);

    /// <summary>Completes the request as cancelled.</summary>
    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}
