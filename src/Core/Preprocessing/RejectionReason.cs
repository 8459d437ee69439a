namespace MtlOnnx.Preprocessing;

/// <summary>
/// Why an input was refused before or during preprocessing.
/// </summary>
public enum RejectionReason
{
    /// <summary>The encoded input is larger than the byte limit.</summary>
    TooManyBytes,

    /// <summary>The image's width times height is larger than the pixel limit.</summary>
    TooManyPixels,

    /// <summary>The image has more frames than the frame limit.</summary>
    TooManyFrames,

    /// <summary>The bytes are an image format that is not accepted, or no image format at all.</summary>
    UnsupportedFormat,

    /// <summary>The bytes claim an accepted format but cannot be decoded: truncated or corrupt.</summary>
    Corrupt,

    /// <summary>The text has more characters than the character limit.</summary>
    TooManyCharacters,
}
