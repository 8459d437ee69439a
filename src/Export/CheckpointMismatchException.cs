namespace MtlOnnx.Export;

/// <summary>
/// The exception thrown when a checkpoint does not fit the graph it should be exported with: a parameter is missing,
/// or has another type or shape.
/// </summary>
public sealed class CheckpointMismatchException : ExportException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public CheckpointMismatchException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public CheckpointMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public CheckpointMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
