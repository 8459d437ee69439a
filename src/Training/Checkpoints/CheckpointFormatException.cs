namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// The exception thrown when a file is not a readable checkpoint: truncated, corrupt, or not in the format.
/// </summary>
public sealed class CheckpointFormatException : CheckpointException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public CheckpointFormatException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
