namespace MtlOnnx.Export;

/// <summary>
/// The exception thrown when the exported model does not load in ONNX Runtime, or its outputs differ from the eval
/// graph's on the sample batch. Nothing is written.
/// </summary>
public sealed class ExportVerificationException : ExportException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ExportVerificationException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ExportVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ExportVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
