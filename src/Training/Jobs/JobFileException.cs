namespace MtlOnnx.Training.Jobs;

/// <summary>
/// The exception thrown when a job file cannot be read: a YAML syntax error, an unknown key, a value of the wrong
/// type or out of range, or options that contradict each other. The message names the file, the line, the key
/// and what is allowed.
/// </summary>
public sealed class JobFileException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public JobFileException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public JobFileException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public JobFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance that points at a place in a job file.</summary>
    /// <param name="source">The job file's name.</param>
    /// <param name="line">The one-based line, or 0 when unknown.</param>
    /// <param name="key">The dotted path of the key, for example <c>tasks[1].loss</c>.</param>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public JobFileException(string source, int line, string key, string message)
        : base(line > 0 ? $"Job file '{source}', line {line}: {message}" : $"Job file '{source}': {message}")
    {
        SourceName = source;
        Line = line;
        Key = key;
    }

    /// <summary>Gets the job file's name, or <see langword="null"/> when not known.</summary>
    public string? SourceName { get; }

    /// <summary>Gets the one-based line of the offending key or value, or 0 when not known.</summary>
    public int Line { get; }

    /// <summary>Gets the dotted path of the offending key, or <see langword="null"/> when not known.</summary>
    public string? Key { get; }
}
