using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// Loads one model version: opens the session, resolves the configuration, loads the model card and explanation
/// model, warms the session up at batch 1 and at the maximum batch, and starts its scheduler. Only a version that
/// survived all of that is handed to the repository to serve.
/// </summary>
internal sealed class ModelVersionLoader
{
    /// <summary>The model file name when the configuration names none.</summary>
    public const string DefaultModelFile = "model.onnx";

    private readonly InferenceGate _gate;
    private readonly BatchingOptions _batching;
    private readonly IModelExtrasLoader _extras;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;

    /// <summary>Initializes a loader.</summary>
    /// <param name="gate">The server's run gate and thread budget.</param>
    /// <param name="batching">The batching defaults.</param>
    /// <param name="extras">Loads model cards and explanation models.</param>
    /// <param name="loggers">The logger factory.</param>
    public ModelVersionLoader(InferenceGate gate, BatchingOptions batching, IModelExtrasLoader extras,
        ILoggerFactory loggers)
    {
        _gate = gate;
        _batching = batching;
        _extras = extras;
        _loggers = loggers;
        _logger = loggers.CreateLogger("MtlOnnx.Serving.Repository");
    }

    /// <summary>Returns the model file of a version folder.</summary>
    /// <param name="versionFolder">The version folder.</param>
    /// <param name="config">The model's configuration file, if any.</param>
    /// <returns>The model file path.</returns>
    public static string ModelFile(string versionFolder, ModelConfig? config)
    {
        var file = string.IsNullOrEmpty(config?.DefaultModelFilename) ? DefaultModelFile : config.DefaultModelFilename;
        return Path.Combine(versionFolder, file);
    }

    /// <summary>Loads a version.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version number.</param>
    /// <param name="versionFolder">The version folder.</param>
    /// <param name="config">The model's configuration file, if any.</param>
    /// <param name="stamp">The fingerprint of the version's files.</param>
    /// <returns>The loaded version, warmed up.</returns>
    /// <exception cref="ModelLoadException">The version cannot be served; the message says why.</exception>
    public ModelVersion Load(string name, long version, string versionFolder, ModelConfig? config, string stamp)
    {
        var started = Stopwatch.GetTimestamp();
        var path = ModelFile(versionFolder, config);
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"The model file '{Path.GetFileName(path)}' is missing from version {version} of model '{name}'.");
        }

        OnnxModelRunner runner;
        try
        {
            runner = OnnxModelRunner.Open(path, _gate);
        }
        catch (OnnxRuntimeException error)
        {
            throw new ModelLoadException(
                $"ONNX Runtime cannot load '{Path.GetFileName(path)}' of model '{name}' version {version}: {error.Message}",
                error);
        }

        ModelExtras extras = ModelExtras.None;
        IInferenceScheduler? scheduler = null;
        try
        {
            var effective = ModelConfigResolver.Resolve(name, config, runner.Inputs, runner.Outputs, _batching,
                out var clientInputs, out var clientOutputs, out var settings);
            runner.Batched = effective.MaxBatchSize > 0;
            Warm(runner, clientInputs, effective.MaxBatchSize, name, version);
            extras = _extras.Load(name, version, versionFolder, runner, clientInputs);

            var statistics = new ModelVersionStatistics();
            var label = $"model '{name}' version {version}";
            var executor = new ModelExecutor(runner, _gate, statistics, label);
            scheduler = settings.Dynamic
                ? new DynamicBatcher(executor, settings, _loggers.CreateLogger<DynamicBatcher>())
                : new DirectScheduler(executor, settings.MaxQueueSize);
            var loaded = new ModelVersion(name, version, versionFolder, stamp, runner, effective, clientInputs,
                clientOutputs, scheduler, statistics)
            {
                Extras = extras,
            };

            var milliseconds = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            RepositoryLog.Loaded(_logger, name, version, effective.MaxBatchSize, settings.Dynamic, milliseconds);
            return loaded;
        }
        catch
        {
            extras.Dispose();
            runner.Dispose();
            throw;
        }
    }

    private void Warm(OnnxModelRunner runner, IReadOnlyList<TensorSpec> inputs, int maxBatchSize, string name,
        long version)
    {
        long[] batches = maxBatchSize > 1 ? [1, maxBatchSize] : [1];
        var outputs = runner.Outputs.Select(o => o.Name).ToArray();
        foreach (var batch in batches)
        {
            var tensors = inputs.Select(spec => Zeros(spec, batch, maxBatchSize > 0)).ToArray();
            using var runOptions = new RunOptions();
            try
            {
                runner.Run(tensors, outputs, runOptions);
            }
            catch (OnnxRuntimeException) when (runner.PreallocatesOutputs)
            {
                // The graph declares output shapes it does not produce; let ONNX Runtime allocate instead.
                runner.DisablePreallocation();
                RepositoryLog.PreallocationDisabled(_logger, name, version);
                Retry(runner, tensors, outputs, name, version);
            }
            catch (OnnxRuntimeException error)
            {
                throw new ModelLoadException(
                    $"The warm-up run of model '{name}' version {version} at batch {batch} failed: {error.Message}", error);
            }
        }
    }

    private static void Retry(OnnxModelRunner runner, InferTensor[] tensors, string[] outputs, string name, long version)
    {
        using var runOptions = new RunOptions();
        try
        {
            runner.Run(tensors, outputs, runOptions);
        }
        catch (OnnxRuntimeException error)
        {
            throw new ModelLoadException($"The warm-up run of model '{name}' version {version} failed: {error.Message}", error);
        }
    }

    private static InferTensor Zeros(TensorSpec spec, long batch, bool batched)
    {
        var shape = spec.Dims.Select((d, i) => i == 0 && batched ? batch : d < 0 ? 1 : d).ToArray();
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        if (spec.IsString)
        {
            return InferTensor.FromStrings(spec.Name, shape, new ReadOnlyMemory<byte>[count]);
        }

        return InferTensor.Numeric(spec.Name, spec.ElementType, shape, new byte[count * spec.ElementSize]);
    }
}
