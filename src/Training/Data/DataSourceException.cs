namespace MtlOnnx.Training.Data;

/// <summary>
/// The exception thrown when a data source cannot be read: a missing folder or file, a file in the wrong format, or
/// rows that break the job's tasks. The message names the file and what was expected.
/// </summary>
public class DataSourceException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public DataSourceException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public DataSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public DataSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
