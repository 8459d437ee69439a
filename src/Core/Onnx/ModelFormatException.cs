namespace MtlOnnx.Onnx;

/// <summary>
/// The exception thrown when a file or a graph is not a valid ONNX model, or not one MtlOnnx can use.
/// The message names the file or node, what was expected and what was found.
/// </summary>
public class ModelFormatException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public ModelFormatException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
