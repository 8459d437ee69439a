namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// The base of the exceptions thrown when a checkpoint cannot be read or does not fit the session it is loaded
/// into. The message names the file, the tensor or field, and what was expected and found.
/// </summary>
public class CheckpointException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public CheckpointException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public CheckpointException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
