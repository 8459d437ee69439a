using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Training.Tests.Support;

/// <summary>Writes small real PNG and JPEG files for image-folder tests.</summary>
internal static class TestImages
{
    /// <summary>
    /// Writes an image whose left half is bright when <paramref name="bright"/> and whose colour encodes
    /// <paramref name="red"/>.
    /// </summary>
    public static void Write(string path, int size, bool bright, bool red, int noiseSeed)
    {
        var random = new MtlOnnx.Training.Data.SeededRandom((ulong)noiseSeed);
        using var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var level = (bright ? (x < size / 2 ? 220 : 40) : (x < size / 2 ? 40 : 220)) + random.NextInt(20);
                image[x, y] = red ? new Rgb24((byte)level, 30, 30) : new Rgb24(30, 30, (byte)level);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (path.EndsWith(".jpg", StringComparison.Ordinal))
        {
            image.SaveAsJpeg(path);
        }
        else
        {
            image.SaveAsPng(path);
        }
    }

    /// <summary>Writes a WordPiece vocabulary with special tokens and the given words.</summary>
    public static string WriteVocabulary(string folder, IEnumerable<string> words)
    {
        var path = Path.Combine(folder, "vocab.txt");
        File.WriteAllLines(path, new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(words));
        return path;
    }
}
