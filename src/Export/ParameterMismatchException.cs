namespace MtlOnnx.Export;

/// <summary>
/// The exception thrown when a checkpoint's parameters do not fit the graph they should be exported with: one is
/// missing, unknown to the graph, or of another type or shape.
/// </summary>
public sealed class ParameterMismatchException : ExportException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ParameterMismatchException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ParameterMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ParameterMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
