namespace MtlOnnx.Training.Multitask;

/// <summary>
/// The exception that is thrown when a multi-task method's saved state cannot be restored: the bytes are damaged,
/// were written by another method or for another number of tasks, or a field is missing or has the wrong size.
/// </summary>
public sealed class MethodStateException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MethodStateException"/> class.</summary>
    public MethodStateException()
    {
    }

    /// <summary>Initializes a new instance with a message that names the method, the field and the problem.</summary>
    /// <param name="message">The message.</param>
    public MethodStateException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MethodStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
