using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;

namespace MtlOnnx.Serving.Batching;

/// <summary>
/// Runs one batch (possibly of one request) through a model version under the server's run gate, records its
/// timing, and hands each request its rows of the outputs. Shared by both schedulers.
/// </summary>
internal sealed class ModelExecutor
{
    private readonly OnnxModelRunner _runner;
    private readonly InferenceGate _gate;
    private readonly ModelVersionStatistics _statistics;
    private readonly string[] _allOutputs;

    /// <summary>Initializes an executor.</summary>
    /// <param name="runner">The model session.</param>
    /// <param name="gate">The server's run gate.</param>
    /// <param name="statistics">Where timings are recorded.</param>
    /// <param name="label">The model and version, for messages.</param>
    public ModelExecutor(OnnxModelRunner runner, InferenceGate gate, ModelVersionStatistics statistics, string label)
    {
        _runner = runner;
        _gate = gate;
        _statistics = statistics;
        _allOutputs = [.. runner.Outputs.Select(o => o.Name)];
        Label = label;
    }

    /// <summary>Gets the model and version, for messages.</summary>
    public string Label { get; }

    /// <summary>Runs a batch and completes each request with its result, error or cancellation.</summary>
    /// <param name="batch">The requests, compatible with each other.</param>
    /// <param name="rows">Their total rows.</param>
    /// <param name="outputNames">The outputs to compute; <see langword="null"/> for every output.</param>
    /// <param name="cancellationToken">Cancels the wait for a run slot (not the run).</param>
    /// <returns>A task that completes when every request is completed.</returns>
    public async Task ExecuteAsync(IReadOnlyList<InferenceWork> batch, long rows, IReadOnlyList<string>? outputNames,
        CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var work in batch)
            {
                work.Cancel();
            }

            return;
        }

        try
        {
            Execute(batch, rows, outputNames ?? _allOutputs);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Execute(IReadOnlyList<InferenceWork> batch, long rows, IReadOnlyList<string> outputNames)
    {
        var start = Clock.Now;
        var runOptions = _runner.RentRunOptions();
        var lone = default(CancellationTokenRegistration);
        var registrations = batch.Count == 1 ? [] : new CancellationTokenRegistration[batch.Count];
        var rented = new List<byte[]>(batch.Count == 1 ? 0 : _runner.Inputs.Count);
        try
        {
            // A run is only worth stopping when nobody waits for it any more. A lone request needs no closure.
            if (batch.Count == 1)
            {
                lone = batch[0].CancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
            }

            for (var i = 0; i < registrations.Length; i++)
            {
                registrations[i] = batch[i].CancellationToken.Register(() =>
                {
                    foreach (var work in batch)
                    {
                        if (!work.CancellationToken.IsCancellationRequested)
                        {
                            return;
                        }
                    }

                    runOptions.Terminate = true;
                });
            }

            var inputs = batch.Count == 1 ? batch[0].Inputs : TensorBatching.Stack(batch, rows, rented);
            var bound = Clock.Now;
            var outputs = _runner.Run(inputs, outputNames, runOptions);
            var ran = Clock.Now;

            var results = new InferTensor[batch.Count][];
            long offset = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                var perRequest = new InferTensor[outputs.Length];
                for (var o = 0; o < outputs.Length; o++)
                {
                    perRequest[o] = _runner.Batched
                        ? TensorBatching.Slice(outputs[o], rows, offset, batch[i].BatchSize)
                        : outputs[o];
                }

                results[i] = perRequest;
                offset += batch[i].BatchSize;
            }

            var done = Clock.Now;
            var inputNs = Clock.Nanoseconds(start, bound);
            var inferNs = Clock.Nanoseconds(bound, ran);
            var outputNs = Clock.Nanoseconds(ran, done);
            _statistics.RecordExecution(rows, inputNs, inferNs, outputNs);
            for (var i = 0; i < batch.Count; i++)
            {
                var queueNs = Clock.Nanoseconds(batch[i].EnqueuedAt, start);
                batch[i].Complete(new InferResult(results[i], queueNs, inputNs, inferNs, outputNs, rows));
            }
        }
        catch (ServingException error)
        {
            FailAll(batch, error);
        }
        catch (OnnxRuntimeException error) when (runOptions.Terminate)
        {
            _ = error;
            foreach (var work in batch)
            {
                work.Cancel();
            }
        }
        catch (OnnxRuntimeException error)
        {
            FailAll(batch, new ServingException(Grpc.Core.StatusCode.Internal,
                $"ONNX Runtime failed to run {Label}: {error.Message}", error));
        }
        finally
        {
            // Disposing a registration waits for its callback, so no late cancellation can reach the run options
            // once they serve another run.
            lone.Dispose();
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }

            _runner.ReturnRunOptions(runOptions);

            // The run is over and its outputs are buffers of their own: the stacked inputs can serve another batch.
            TensorBatching.Return(rented);
        }
    }

    private static void FailAll(IReadOnlyList<InferenceWork> batch, Exception error)
    {
        foreach (var work in batch)
        {
            work.Fail(error);
        }
    }
}
