using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using MtlOnnx.Serving.Metrics;

namespace MtlOnnx.Serving.Hosting;

/// <summary>
/// The outermost interceptor: turns <see cref="ServingException"/> into the status the caller gets, turns any other
/// exception into <c>Internal</c> (logged, never sent in detail), and counts each call's outcome. A request never
/// brings the server down.
/// </summary>
internal sealed class ErrorInterceptor : Interceptor
{
    private readonly CallMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Initializes the interceptor.</summary>
    /// <param name="metrics">The call counters.</param>
    /// <param name="logger">The logger.</param>
    public ErrorInterceptor(CallMetrics metrics, ILogger<ErrorInterceptor> logger)
    {
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request,
        ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            _metrics.Record(context.Method, StatusCode.OK);
            return response;
        }
        catch (Exception error)
        {
            throw Translate(error, context);
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            _metrics.Record(context.Method, StatusCode.OK);
            return response;
        }
        catch (Exception error)
        {
            throw Translate(error, context);
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            _metrics.Record(context.Method, StatusCode.OK);
        }
        catch (Exception error)
        {
            throw Translate(error, context);
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            _metrics.Record(context.Method, StatusCode.OK);
        }
        catch (Exception error)
        {
            throw Translate(error, context);
        }
    }

    private RpcException Translate(Exception error, ServerCallContext context)
    {
        var translated = error switch
        {
            RpcException rpc => rpc,
            ServingException serving => serving.ToRpcException(),
            // A call's token also fires when its deadline passes; report that as the deadline, not as a cancel.
            OperationCanceledException when context.CancellationToken.IsCancellationRequested
                && DateTime.UtcNow >= context.Deadline =>
                new RpcException(new Status(
                    StatusCode.DeadlineExceeded,
                    "The request's deadline passed before it finished.")),
            OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
                new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled.")),
            _ => null,
        };

        if (translated is null)
        {
            HostLog.UnexpectedError(_logger, context.Method, error);
            translated = new RpcException(new Status(StatusCode.Internal,
                "The server failed while handling the request; the error is in the server log."));
        }

        _metrics.Record(context.Method, translated.StatusCode);
        return translated;
    }
}
