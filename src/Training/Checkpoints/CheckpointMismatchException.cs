namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// The exception thrown when a readable checkpoint does not fit the model it is loaded into: tensors missing or
/// unexpected, or of another type or shape. <see cref="Differences"/> lists every difference, one sentence each.
/// </summary>
public sealed class CheckpointMismatchException : CheckpointException
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

    /// <summary>Initializes a new instance that lists the differences found.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="differences">The differences, one sentence each.</param>
    public CheckpointMismatchException(string path, IReadOnlyList<string> differences)
        : base(
            $"Checkpoint '{path}' does not match the model: " + string.Join(" ", differences ?? []))
    {
        Differences = differences ?? [];
    }

    /// <summary>Gets the differences found, one sentence each.</summary>
    public IReadOnlyList<string> Differences { get; } = [];
}
