using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MtlOnnx.Serving.Security;

/// <summary>
/// Checks each call against the security options before it reaches a service: an API key for inference, metadata
/// and reflection calls; a repository key and, when configured, an allowed client certificate for the calls that
/// change the repository. Health checks stay open.
/// </summary>
internal sealed class AuthInterceptor : Interceptor
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";

    private static readonly HashSet<string> s_repositoryChanges = new(StringComparer.Ordinal)
    {
        "/inference.GRPCInferenceService/RepositoryModelLoad",
        "/inference.GRPCInferenceService/RepositoryModelUnload",
    };

    private readonly SecurityOptions _options;
    private readonly ApiKeySet _keys;
    private readonly ApiKeySet _repositoryKeys;
    private readonly ILogger _logger;
    private readonly string _header;

    /// <summary>Initializes the interceptor.</summary>
    /// <param name="options">The server options.</param>
    /// <param name="logger">The logger.</param>
    public AuthInterceptor(IOptions<ServingOptions> options, ILogger<AuthInterceptor> logger)
    {
        _options = options.Value.Security;
        _keys = new ApiKeySet(_options.ApiKeys);
        _repositoryKeys = new ApiKeySet(_options.RepositoryApiKeys);
        _logger = logger;
        _header = _options.ApiKeyHeader.ToLowerInvariant();
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request,
        ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var method = context.Method;
        if (method.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var changesRepository = s_repositoryChanges.Contains(method);
        var keys = changesRepository && !_repositoryKeys.IsEmpty ? _repositoryKeys : _keys;
        if (!keys.IsEmpty)
        {
            var key = ReadKey(context);
            if (key is null)
            {
                Refuse(context, StatusCode.Unauthenticated,
                    $"The call carries no API key; send it in the '{_options.ApiKeyHeader}' header.");
            }

            if (!keys.Contains(key))
            {
                if (changesRepository && keys == _repositoryKeys && _keys.Contains(key))
                {
                    Refuse(context, StatusCode.PermissionDenied,
                        "This API key may call inference but not change the repository; use a repository key.");
                }

                Refuse(context, StatusCode.Unauthenticated, "The API key is not valid.");
            }
        }

        if (changesRepository && _options.RepositoryClientSubjects.Count > 0)
        {
            var certificate = context.GetHttpContext().Connection.ClientCertificate;
            if (certificate is null)
            {
                Refuse(context, StatusCode.Unauthenticated,
                    "Changing the repository needs a client certificate (mutual TLS); the call has none.");
            }

            if (!_options.RepositoryClientSubjects.Contains(certificate.Subject, StringComparer.Ordinal))
            {
                Refuse(context, StatusCode.PermissionDenied,
                    $"The client certificate '{certificate.Subject}' may not change the repository.");
            }
        }
    }

    private string? ReadKey(ServerCallContext context)
    {
        string? bearer = null;
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key == _header)
            {
                return entry.Value;
            }

            if (entry.Key == "authorization" && entry.Value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                bearer = entry.Value["Bearer ".Length..].Trim();
            }
        }

        return bearer;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Refuse(ServerCallContext context, StatusCode code, string message)
    {
        SecurityLog.Refused(_logger, context.Method, context.Peer, code);
        throw new RpcException(new Status(code, message));
    }
}
