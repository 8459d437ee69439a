using Grpc.Core;

namespace MtlOnnx.Serving.Services;

/// <summary>
/// The cancellation of one call: the client's own (cancel or deadline), or the server's default timeout when the
/// client set no deadline.
/// </summary>
internal sealed class RequestDeadline : IDisposable
{
    private readonly CancellationTokenSource? _timeout;
    private readonly TimeSpan _defaultTimeout;

    /// <summary>Initializes the cancellation of a call.</summary>
    /// <param name="context">The call.</param>
    /// <param name="defaultTimeout">The timeout of calls without a deadline; zero for none.</param>
    public RequestDeadline(ServerCallContext context, TimeSpan defaultTimeout)
    {
        _defaultTimeout = defaultTimeout;
        if (context.Deadline == DateTime.MaxValue && defaultTimeout > TimeSpan.Zero)
        {
            _timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            _timeout.CancelAfter(defaultTimeout);
            Token = _timeout.Token;
        }
        else
        {
            Token = context.CancellationToken;
        }

        Context = context;
    }

    /// <summary>Gets the call.</summary>
    public ServerCallContext Context { get; }

    /// <summary>Gets the token that fires when the call must stop.</summary>
    public CancellationToken Token { get; }

    /// <summary>Returns the exception for a call that was stopped.</summary>
    /// <returns>The exception for the caller.</returns>
    public ServingException Stopped()
    {
        if (Context.CancellationToken.IsCancellationRequested)
        {
            return DateTime.UtcNow >= Context.Deadline
                ? new ServingException(StatusCode.DeadlineExceeded, "The request's deadline passed before it finished.")
                : new ServingException(StatusCode.Cancelled, "The client cancelled the request.");
        }

        return new ServingException(StatusCode.DeadlineExceeded,
            $"The request did not finish within the server's default timeout of {_defaultTimeout.TotalSeconds:0.###} s.");
    }

    /// <inheritdoc />
    public void Dispose() => _timeout?.Dispose();
}
