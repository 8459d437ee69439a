namespace MtlOnnx.Training.Devices;

/// <summary>
/// The exception thrown when the requested device cannot be used, for example when <c>cuda</c> is requested on a
/// machine where ONNX Runtime cannot load its CUDA execution provider.
/// </summary>
public class DeviceUnavailableException : Exception
{
    /// <summary>Initializes a new instance with no message.</summary>
    public DeviceUnavailableException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public DeviceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error.</param>
    public DeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
