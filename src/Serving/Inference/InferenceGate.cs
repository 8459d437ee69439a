using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace MtlOnnx.Serving.Inference;

/// <summary>
/// The thread budget of the server: how many model runs may be in flight at once, across every model, and how
/// many intra-op threads each run gets, so that runs times threads never exceeds the cores given to inference.
/// </summary>
/// <remarks>
/// Every concurrent <c>Run</c> of ONNX Runtime uses its session's intra-op pool; a server that let each session
/// size its pool to the machine would run cores × requests threads under load. Here the product is fixed.
/// </remarks>
internal sealed class InferenceGate : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly RuntimeOptions _options;

    /// <summary>Initializes the gate from the runtime options.</summary>
    /// <param name="options">The server options; their <see cref="ServingOptions.Runtime"/> section is read.</param>
    public InferenceGate(IOptions<ServingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Runtime;
        TotalThreads = _options.InferenceThreads > 0 ? _options.InferenceThreads : Environment.ProcessorCount;
        ConcurrentRuns = _options.ConcurrentRuns > 0 ? _options.ConcurrentRuns : TotalThreads;
        ThreadsPerRun = Math.Max(1, TotalThreads / ConcurrentRuns);
        _slots = new SemaphoreSlim(ConcurrentRuns, ConcurrentRuns);
    }

    /// <summary>Gets the number of threads given to inference in all.</summary>
    public int TotalThreads { get; }

    /// <summary>Gets how many model runs may be in flight at once.</summary>
    public int ConcurrentRuns { get; }

    /// <summary>Gets the intra-op threads of each run.</summary>
    public int ThreadsPerRun { get; }

    /// <summary>Waits for a run slot.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the slot is held; release it with <see cref="Release"/>.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Releases a run slot.</summary>
    public void Release() => _slots.Release();

    /// <summary>Creates the session options of every model session.</summary>
    /// <returns>The options; the caller disposes them.</returns>
    public SessionOptions CreateSessionOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = ThreadsPerRun,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };

        // Spinning threads burn the cores that other concurrent runs need; off unless asked for.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.AllowSpinning ? "1" : "0");
        if (_options.UseCuda)
        {
            options.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
        }

        return options;
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();
}
