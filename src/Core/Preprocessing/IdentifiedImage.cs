namespace MtlOnnx.Preprocessing;

/// <summary>
/// What an image's header says, read without decoding its pixels.
/// </summary>
/// <param name="Format">The format's name: <c>PNG</c>, <c>JPEG</c> or <c>WEBP</c>.</param>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="Frames">The number of frames; 1 for still images.</param>
public sealed record IdentifiedImage(string Format, int Width, int Height, int Frames)
{
    /// <summary>Gets the number of pixels of one frame.</summary>
    public long Pixels => (long)Width * Height;
}
