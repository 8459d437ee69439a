namespace MtlOnnx.Export;

/// <summary>
/// The exception thrown when a reduced-precision export changes a task's metric by more than the allowed amount.
/// Nothing is written; the report holds the figures.
/// </summary>
public sealed class PrecisionRejectedException : ExportException
{
    /// <summary>Initializes a new instance with no message.</summary>
    public PrecisionRejectedException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public PrecisionRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public PrecisionRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance with the figures.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="report">The size and metric figures.</param>
    public PrecisionRejectedException(string message, PrecisionReport report)
        : base(message)
    {
        Report = report;
    }

    /// <summary>Gets the size and metric figures, when known.</summary>
    public PrecisionReport? Report { get; }
}
