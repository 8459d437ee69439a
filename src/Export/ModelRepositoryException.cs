namespace MtlOnnx.Export;

/// <summary>
/// The exception thrown when an export cannot be written to a model repository: the version exists, the directory
/// cannot be written, or a name is not valid. The repository is left as it was.
/// </summary>
public sealed class ModelRepositoryException : ExportException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ModelRepositoryException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ModelRepositoryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelRepositoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
