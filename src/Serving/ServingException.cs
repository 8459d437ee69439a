using Grpc.Core;

namespace MtlOnnx.Serving;

/// <summary>
/// The exception thrown when a request cannot be served: bad input, an unknown model, a full queue. It carries the
/// gRPC status code the caller receives; the message says what was wrong, in a full sentence, and is sent as is.
/// </summary>
public sealed class ServingException : Exception
{
    /// <summary>Initializes a new instance with no message and <see cref="StatusCode.Unknown"/>.</summary>
    public ServingException()
    {
        Code = StatusCode.Unknown;
    }

    /// <summary>Initializes a new instance with a message and <see cref="StatusCode.Unknown"/>.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ServingException(string message)
        : base(message)
    {
        Code = StatusCode.Unknown;
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ServingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = StatusCode.Unknown;
    }

    /// <summary>Initializes a new instance with a status code and a message.</summary>
    /// <param name="code">The gRPC status code for the caller.</param>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ServingException(StatusCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>Gets the gRPC status code the caller receives.</summary>
    public StatusCode Code { get; }

    /// <summary>Creates the exception for a bad request.</summary>
    /// <param name="message">What is wrong with the request.</param>
    /// <returns>The exception, with <see cref="StatusCode.InvalidArgument"/>.</returns>
    public static ServingException Invalid(string message) => new(StatusCode.InvalidArgument, message);

    /// <summary>Creates the exception for an unknown model or version.</summary>
    /// <param name="message">What was not found.</param>
    /// <returns>The exception, with <see cref="StatusCode.NotFound"/>.</returns>
    public static ServingException NotFound(string message) => new(StatusCode.NotFound, message);

    /// <summary>Converts the exception to the <see cref="RpcException"/> that grpc-dotnet sends.</summary>
    /// <returns>The exception for the caller.</returns>
    public RpcException ToRpcException() => new(new Status(Code, Message));
}
