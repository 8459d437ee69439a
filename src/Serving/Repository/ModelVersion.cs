using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// One loaded version of a model: its session, scheduler, effective configuration and statistics. Requests hold it
/// through <see cref="TryAcquire"/> and <see cref="Release"/>; retiring it (a reload or an unload) stops new
/// requests and disposes it once the last in-flight one has finished.
/// </summary>
internal sealed class ModelVersion
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _users;
    private volatile bool _retiring;

    /// <summary>Initializes a loaded version.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version number.</param>
    /// <param name="folder">The version folder.</param>
    /// <param name="stamp">What the model files looked like when loaded, to notice changes.</param>
    /// <param name="runner">The session.</param>
    /// <param name="config">The effective configuration.</param>
    /// <param name="inputs">The inputs as clients see them: full shapes, -1 for variable dimensions.</param>
    /// <param name="outputs">The outputs as clients see them (after any reshape of the configuration).</param>
    /// <param name="scheduler">The scheduler.</param>
    /// <param name="statistics">The statistics.</param>
    public ModelVersion(string name, long version, string folder, string stamp, OnnxModelRunner runner,
        ModelConfig config, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs,
        IInferenceScheduler scheduler, ModelVersionStatistics statistics)
    {
        Name = name;
        Version = version;
        Folder = folder;
        Stamp = stamp;
        Runner = runner;
        Config = config;
        Inputs = inputs;
        Outputs = outputs;
        HasReshapedOutputs = !outputs.SequenceEqual(runner.Outputs);
        Scheduler = scheduler;
        Statistics = statistics;
    }

    /// <summary>Gets the model name.</summary>
    public string Name { get; }

    /// <summary>Gets the version number.</summary>
    public long Version { get; }

    /// <summary>Gets the version number as the protocol writes it.</summary>
    public string VersionText => Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Gets the version folder.</summary>
    public string Folder { get; }

    /// <summary>Gets a fingerprint of the files the version was loaded from.</summary>
    public string Stamp { get; }

    /// <summary>Gets the session.</summary>
    public OnnxModelRunner Runner { get; }

    /// <summary>Gets the effective configuration (the file's, completed from the model).</summary>
    public ModelConfig Config { get; }

    /// <summary>Gets the inputs as clients see them.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>Gets the outputs as clients see them, in graph order.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>Gets whether some output reaches clients in another shape than the model computes it.</summary>
    public bool HasReshapedOutputs { get; }

    /// <summary>Gets the largest batch; 0 for a model without a batch dimension.</summary>
    public int MaxBatchSize => Config.MaxBatchSize;

    /// <summary>Gets the scheduler.</summary>
    public IInferenceScheduler Scheduler { get; }

    /// <summary>Gets the statistics.</summary>
    public ModelVersionStatistics Statistics { get; }

    /// <summary>Gets the model's optional extras: model card, preprocessing, explanation model.</summary>
    public ModelExtras Extras { get; init; } = ModelExtras.None;

    /// <summary>Gets the model and version, for messages.</summary>
    public string Label => $"model '{Name}' version {Version}";

    /// <summary>Gets whether the version is being retired.</summary>
    public bool IsRetiring => _retiring;

    /// <summary>Registers a request on the version, unless it is being retired.</summary>
    /// <returns><see langword="true"/> when the request may use the version; it must then call <see cref="Release"/>.</returns>
    public bool TryAcquire()
    {
        Interlocked.Increment(ref _users);
        if (_retiring)
        {
            Release();
            return false;
        }

        return true;
    }

    /// <summary>Ends a request registered with <see cref="TryAcquire"/>.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0 && _retiring)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops new requests, waits for the in-flight ones, then releases the session.</summary>
    /// <returns>A task that completes when the version is disposed.</returns>
    public async Task RetireAsync()
    {
        _retiring = true;
        if (Volatile.Read(ref _users) == 0)
        {
            _drained.TrySetResult();
        }

        await _drained.Task.ConfigureAwait(false);
        await Scheduler.DisposeAsync().ConfigureAwait(false);
        Extras.Dispose();
        Runner.Dispose();
    }
}
