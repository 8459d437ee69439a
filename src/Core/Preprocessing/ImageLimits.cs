namespace MtlOnnx.Preprocessing;

/// <summary>
/// The largest image the preprocessing accepts. The limits are checked from the header, before any pixel memory
/// is allocated, so a small file that would decode into gigabytes is refused cheaply.
/// </summary>
public sealed class ImageLimits
{
    /// <summary>Gets the limits used when none are given.</summary>
    public static ImageLimits Default { get; } = new();

    /// <summary>Gets or sets the largest encoded size in bytes. The default is 16 MiB.</summary>
    public long MaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Gets or sets the largest width times height. The default is 25,000,000 (25 megapixels).</summary>
    public long MaxPixels { get; init; } = 25_000_000;

    /// <summary>Gets or sets the largest number of frames (animated WebP). The default is 1.</summary>
    public int MaxFrames { get; init; } = 1;
}
