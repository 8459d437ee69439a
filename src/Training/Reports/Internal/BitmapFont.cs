using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Training.Reports.Internal;

/// <summary>
/// A 3×5 pixel font for axis numbers (digits, '.', '-', '+', 'e', '%'), drawn scaled, so that plots need no font
/// files and no drawing library beyond ImageSharp's pixel access.
/// </summary>
internal static class BitmapFont
{
    private static readonly Dictionary<char, string> s_glyphs = new()
    {
        ['0'] = "111101101101111",
        ['1'] = "010110010010111",
        ['2'] = "111001111100111",
        ['3'] = "111001111001111",
        ['4'] = "101101111001001",
        ['5'] = "111100111001111",
        ['6'] = "111100111101111",
        ['7'] = "111001001001001",
        ['8'] = "111101111101111",
        ['9'] = "111101111001111",
        ['.'] = "000000000000010",
        ['-'] = "000000111000000",
        ['+'] = "000010111010000",
        ['e'] = "000111111100111",
        ['%'] = "101001010100101",
        [' '] = "000000000000000",
    };

    public static int Width(string text, int scale) => text.Length * 4 * scale;

    public static void Draw(Image<Rgba32> image, string text, int x, int y, int scale, Rgba32 color)
    {
        foreach (var ch in text)
        {
            if (s_glyphs.TryGetValue(ch, out var glyph))
            {
                for (var row = 0; row < 5; row++)
                {
                    for (var column = 0; column < 3; column++)
                    {
                        if (glyph[(row * 3) + column] == '1')
                        {
                            Fill(image, x + (column * scale), y + (row * scale), scale, scale, color);
                        }
                    }
                }
            }

            x += 4 * scale;
        }
    }

    public static void Fill(Image<Rgba32> image, int x, int y, int width, int height, Rgba32 color)
    {
        for (var yy = Math.Max(0, y); yy < Math.Min(image.Height, y + height); yy++)
        {
            for (var xx = Math.Max(0, x); xx < Math.Min(image.Width, x + width); xx++)
            {
                image[xx, yy] = color;
            }
        }
    }
}
