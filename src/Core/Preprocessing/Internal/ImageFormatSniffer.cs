namespace MtlOnnx.Preprocessing.Internal;

/// <summary>
/// Names common image formats from their magic bytes, so that a refused GIF or TIFF is reported as such rather
/// than as "unknown". The decoders for these formats are never registered.
/// </summary>
internal static class ImageFormatSniffer
{
    public static string? NameOf(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "GIF";
        }

        if (bytes.StartsWith("BM"u8))
        {
            return "BMP";
        }

        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8))
        {
            return "TIFF";
        }

        if (bytes.Length >= 12 && bytes[4..8].SequenceEqual("ftyp"u8))
        {
            return "HEIF/AVIF";
        }

        if (bytes.StartsWith("\0\0\u0001\0"u8))
        {
            return "ICO";
        }

        if (bytes.StartsWith("P1"u8) || bytes.StartsWith("P3"u8) || bytes.StartsWith("P6"u8))
        {
            return "PNM";
        }

        return null;
    }
}
