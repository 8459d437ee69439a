namespace MtlOnnx.Preprocessing;

/// <summary>
/// The base of the exceptions thrown when a raw input (image bytes, text) is refused by the shared preprocessing.
/// The message says what was wrong with the input, the limit and the actual value; the server maps
/// <see cref="Reason"/> to a status code and keeps serving.
/// </summary>
public abstract class InputRejectedException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="reason">Why the input was refused.</param>
    /// <param name="message">What is wrong, in a full sentence.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    protected InputRejectedException(RejectionReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Gets why the input was refused.</summary>
    public RejectionReason Reason { get; }

    /// <summary>
    /// Gets whether the input was refused for its size (bytes, pixels, frames, characters) rather than its content,
    /// which a server reports as exhausted resources rather than an invalid argument.
    /// </summary>
    public bool IsSizeLimit => Reason is RejectionReason.TooManyBytes or RejectionReason.TooManyPixels
        or RejectionReason.TooManyFrames or RejectionReason.TooManyCharacters;
}
