namespace MtlOnnx.Export;

/// <summary>
/// The exception thrown when a model cannot be exported: the graph, the checkpoint or the options do not fit, or the
/// exported model failed a check. The message names the file, node or tensor, what was expected and what was found.
/// </summary>
public class ExportException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ExportException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ExportException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
