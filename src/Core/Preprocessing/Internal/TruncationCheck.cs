using System.Buffers.Binary;

namespace MtlOnnx.Preprocessing.Internal;

/// <summary>
/// Finds truncated PNG, JPEG and WebP files before decoding. ImageSharp 2.1's decoders forgive a missing tail in
/// many cases and return an image whose lower part is blank, which a model would then score as if it were real.
/// </summary>
internal static class TruncationCheck
{
    public static string? Describe(string format, ReadOnlySpan<byte> bytes) => format switch
    {
        "PNG" => Png(bytes),
        "JPEG" => Jpeg(bytes),
        "WEBP" => Webp(bytes),
        _ => null,
    };

    private static string? Png(ReadOnlySpan<byte> bytes) =>

        // The empty IEND chunk (length 0, then its type) closes every complete PNG.
        bytes.LastIndexOf("\0\0\0\0IEND"u8) < 0 ? "it has no IEND chunk, so its data ends early" : null;

    private static string? Jpeg(ReadOnlySpan<byte> bytes)
    {
        // Inside entropy-coded data every 0xFF is followed by 0x00 or a restart marker, so the first FF D9 after
        // the last start-of-scan is the end-of-image marker; an embedded EXIF thumbnail ends before that scan.
        var scan = bytes.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        if (scan < 0)
        {
            return "it has no start-of-scan marker (FF DA)";
        }

        return bytes[scan..].IndexOf([(byte)0xFF, (byte)0xD9]) < 0
            ? "it ends without the end-of-image marker (FF D9) after its last scan"
            : null;
    }

    private static string? Webp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12)
        {
            return "it is shorter than a RIFF header";
        }

        var declared = 8L + BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..8]);
        return declared > bytes.Length
            ? $"its RIFF header declares {declared:N0} bytes, but only {bytes.Length:N0} are present"
            : null;
    }
}
