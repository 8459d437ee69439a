namespace MtlOnnx.Serving.Repository;

/// <summary>
/// The exception thrown when a model version cannot be loaded: a bad <c>config.pbtxt</c>, a model file ONNX Runtime
/// refuses, a warm-up that fails. The message names the file, what was expected and what was found.
/// </summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ModelLoadException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ModelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
