namespace MtlOnnx.Preprocessing;

/// <summary>
/// The exception thrown when image bytes are refused: too large, an unaccepted format, or undecodable.
/// </summary>
public sealed class ImageRejectedException : InputRejectedException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="reason">Why the image was refused.</param>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The decoder's error, if any.</param>
    public ImageRejectedException(RejectionReason reason, string message, Exception? innerException = null)
        : base(reason, message, innerException)
    {
    }
}
