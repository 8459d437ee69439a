namespace MtlOnnx.Training.Multitask;

/// <summary>
/// The exception that is thrown when a multi-task method is named or configured wrongly: an unknown method or
/// option name, or an option value of the wrong type or range.
/// </summary>
public sealed class MultitaskConfigurationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MultitaskConfigurationException"/> class.</summary>
    public MultitaskConfigurationException()
    {
    }

    /// <summary>Initializes a new instance with a message that names the method, the option and the problem.</summary>
    /// <param name="message">The message.</param>
    public MultitaskConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MultitaskConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
