namespace MtlOnnx.Preprocessing;

/// <summary>
/// The exception thrown when text is refused before tokenizing, for example because it is too long.
/// </summary>
public sealed class TextRejectedException : InputRejectedException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="reason">Why the text was refused.</param>
    /// <param name="message">What is wrong, in a full sentence.</param>
    public TextRejectedException(RejectionReason reason, string message)
        : base(reason, message)
    {
    }
}
