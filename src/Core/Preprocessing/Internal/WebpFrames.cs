using System.Buffers.Binary;

namespace MtlOnnx.Preprocessing.Internal;

/// <summary>
/// Counts the frames of a WebP file by walking its RIFF chunk headers, because ImageSharp 2.1's
/// <c>Identify</c> does not report a frame count and an animation's frames are otherwise found only by decoding.
/// </summary>
internal static class WebpFrames
{
    public static int Count(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12 || !bytes.StartsWith("RIFF"u8) || !bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return 1;
        }

        var frames = 0;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var fourCc = bytes.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 4, 4));
            if (fourCc.SequenceEqual("ANMF"u8))
            {
                frames++;
            }

            // Chunks are padded to an even size; a size past the end means a truncated file, which the decoder
            // reports on its own.
            var next = offset + 8L + size + (size & 1);
            if (next > bytes.Length)
            {
                break;
            }

            offset = (int)next;
        }

        return Math.Max(frames, 1);
    }
}
