using System.Reflection;
using Grpc.Core;
using Microsoft.Extensions.Options;
using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Services;

/// <summary>
/// The Open Inference Protocol service (<c>inference.GRPCInferenceService</c>) with Triton's configuration,
/// statistics and repository extensions.
/// </summary>
internal sealed class InferenceService : GRPCInferenceService.GRPCInferenceServiceBase
{
    /// <summary>The platform string of ONNX models in <c>ModelMetadata</c> (the protocol's name for ONNX Runtime).</summary>
    public const string MetadataPlatform = "onnx_onnxv1";

    private static readonly string s_version =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";

    private readonly ModelRepository _repository;
    private readonly ServingOptions _options;

    /// <summary>Initializes the service.</summary>
    /// <param name="repository">The model repository.</param>
    /// <param name="options">The server options.</param>
    public InferenceService(ModelRepository repository, IOptions<ServingOptions> options)
    {
        _repository = repository;
        _options = options.Value;
    }

    /// <summary>Gets the protocol extensions the server implements, as <c>ServerMetadata</c> reports them.</summary>
    public static IReadOnlyList<string> Extensions { get; } = ["model_configuration", "model_repository", "statistics"];

    /// <inheritdoc />
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    /// <inheritdoc />
    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = _repository.IsReady });

    /// <inheritdoc />
    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = _repository.IsModelReady(request.Name, request.Version) });

    /// <inheritdoc />
    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse
        {
            Name = _options.ServerName,
            Version = s_version,
            Extensions = { Extensions },
        });

    /// <inheritdoc />
    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var model = _repository.Find(request.Name, request.Version);
        var served = _repository.Served[model.Name];
        var response = new ModelMetadataResponse
        {
            Name = model.Name,
            Platform = MetadataPlatform,
            Versions = { string.IsNullOrEmpty(request.Version) ? served.Versions.Select(v => v.VersionText) : [model.VersionText] },
        };

        foreach (var input in model.Inputs)
        {
            response.Inputs.Add(new ModelMetadataResponse.Types.TensorMetadata
            {
                Name = input.Name,
                Datatype = input.Datatype,
                Shape = { input.Dims },
            });
        }

        foreach (var output in model.Outputs)
        {
            response.Outputs.Add(new ModelMetadataResponse.Types.TensorMetadata
            {
                Name = output.Name,
                Datatype = output.Datatype,
                Shape = { output.Dims },
            });
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var started = Clock.Now;
        var model = _repository.Acquire(request.ModelName, request.ModelVersion);
        using var deadline = new RequestDeadline(context, _options.Limits.DefaultTimeout);
        try
        {
            var decodeStart = Clock.Now;
            var decoded = InferRequestDecoder.Decode(request, model, _options.Limits, deadline.Token);
            var work = new InferenceWork(decoded.Inputs, decoded.Outputs, decoded.BatchSize, deadline.Token);
            var result = await model.Scheduler.RunAsync(work).ConfigureAwait(false);
            var encodeStart = Clock.Now;
            var response = InferResponseEncoder.Encode(request, model, decoded.Outputs, result);
            var done = Clock.Now;
            model.Statistics.RecordSuccess(Clock.Nanoseconds(started, done), result.QueueNanoseconds,
                result.InputNanoseconds, result.InferNanoseconds, result.OutputNanoseconds,
                Clock.Nanoseconds(decodeStart, work.EnqueuedAt), Clock.Nanoseconds(encodeStart, done));
            return response;
        }
        catch (OperationCanceledException)
        {
            model.Statistics.RecordFailure(Clock.Nanoseconds(started, Clock.Now), FailureReason.Canceled);
            throw deadline.Stopped();
        }
        catch (ServingException error)
        {
            model.Statistics.RecordFailure(Clock.Nanoseconds(started, Clock.Now), error.Code);
            throw;
        }
        finally
        {
            model.Release();
        }
    }

    /// <inheritdoc />
    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context)
    {
        var model = _repository.Find(request.Name, request.Version);
        return Task.FromResult(new ModelConfigResponse { Config = model.Config.Clone() });
    }

    /// <inheritdoc />
    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        IEnumerable<ModelVersion> versions;
        if (string.IsNullOrEmpty(request.Name))
        {
            versions = _repository.Served.Values.OrderBy(m => m.Name, StringComparer.Ordinal).SelectMany(m => m.Versions);
        }
        else if (string.IsNullOrEmpty(request.Version))
        {
            _ = _repository.Find(request.Name, null);
            versions = _repository.Served[request.Name].Versions;
        }
        else
        {
            versions = [_repository.Find(request.Name, request.Version)];
        }

        var response = new ModelStatisticsResponse();
        foreach (var version in versions)
        {
            response.ModelStats.Add(ToProto(version));
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        CheckRepositoryName(request.RepositoryName);
        return Task.FromResult(new RepositoryIndexResponse { Models = { _repository.Index(request.Ready) } });
    }

    /// <inheritdoc />
    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request,
        ServerCallContext context)
    {
        CheckRepositoryName(request.RepositoryName);
        CheckParameters(request.Parameters.Keys);
        await _repository.LoadAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false);
        return new RepositoryModelLoadResponse();
    }

    /// <inheritdoc />
    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(
        RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        CheckRepositoryName(request.RepositoryName);
        CheckParameters(request.Parameters.Keys);
        await _repository.UnloadAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false);
        return new RepositoryModelUnloadResponse();
    }

    private void CheckRepositoryName(string name)
    {
        if (name.Length > 0 && name != Path.GetFileName(_repository.Root))
        {
            throw ServingException.NotFound(
                $"The server has no repository '{ModelNames.Shorten(name)}'; leave repository_name empty.");
        }
    }

    private static void CheckParameters(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            throw ServingException.Invalid(
                $"Repository parameter '{ModelNames.Shorten(key)}' is not supported; MtlOnnx loads models from their " +
                "folders only.");
        }
    }

    private static ModelStatistics ToProto(ModelVersion version)
    {
        var s = version.Statistics;
        var stats = new ModelStatistics
        {
            Name = version.Name,
            Version = version.VersionText,
            LastInference = (ulong)s.LastInferenceMs,
            InferenceCount = (ulong)s.InferenceCount,
            ExecutionCount = (ulong)s.ExecutionCount,
            InferenceStats = new InferStatistics
            {
                Success = s.Success.ToProto(),
                Fail = s.Fail.ToProto(),
                Queue = s.Queue.ToProto(),
                ComputeInput = s.ComputeInput.ToProto(),
                ComputeInfer = s.ComputeInfer.ToProto(),
                ComputeOutput = s.ComputeOutput.ToProto(),
                CacheHit = new StatisticDuration(),
                CacheMiss = new StatisticDuration(),
            },
        };

        foreach (var (size, counters) in s.Batches.OrderBy(b => b.Key))
        {
            stats.BatchStats.Add(new InferBatchStatistics
            {
                BatchSize = (ulong)size,
                ComputeInput = counters.ComputeInput.ToProto(),
                ComputeInfer = counters.ComputeInfer.ToProto(),
                ComputeOutput = counters.ComputeOutput.ToProto(),
            });
        }

        return stats;
    }
}
