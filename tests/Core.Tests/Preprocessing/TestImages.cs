using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Core.Tests.Preprocessing;

/// <summary>Builds the images the preprocessing tests decode, with ImageSharp's own encoders.</summary>
internal static class TestImages
{
    public static Image<Rgb24> FromPixels(int width, int height, Func<int, int, Rgb24> pixel)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = pixel(x, y);
            }
        }

        return image;
    }

    public static Image<Rgb24> Gradient(int width, int height) => FromPixels(width, height,
        (x, y) => new Rgb24((byte)(x * 255 / Math.Max(1, width - 1)), (byte)(y * 255 / Math.Max(1, height - 1)),
            (byte)((x + y) * 7 % 256)));

    public static byte[] Encode(Image<Rgb24> image, string format)
    {
        using var stream = new MemoryStream();
        switch (format)
        {
            case "png": image.Save(stream, new PngEncoder()); break;
            case "jpeg": image.Save(stream, new JpegEncoder { Quality = 100 }); break;
            case "webp": image.Save(stream, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }); break;
            case "webp-lossy": image.Save(stream, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }); break;
            case "gif": image.Save(stream, new GifEncoder()); break;
            case "bmp": image.Save(stream, new BmpEncoder()); break;
            case "tiff": image.Save(stream, new TiffEncoder()); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown test format.");
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Writes a valid grey PNG of the given size whose rows are all zero: tiny on disk, because deflate squeezes
    /// runs of zeros about a thousandfold, yet huge once decoded.
    /// </summary>
    public static byte[] SolidGreyPng(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        WriteChunk(png, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[width + 1];
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        stream.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        stream.Write(crc);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
