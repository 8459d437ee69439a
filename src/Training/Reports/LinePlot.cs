using System.Globalization;
using MtlOnnx.Training.Reports.Internal;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Training.Reports;

/// <summary>
/// Draws line plots as PNG with ImageSharp alone: a frame, grid lines, numeric tick labels on both axes and
/// anti-aliased lines with point markers. Titles and legends belong to the HTML page around the image.
/// </summary>
public static class LinePlot
{
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 12;
    private const int Bottom = 32;
    private static readonly double[] s_niceSteps = [1.0, 2.0, 5.0, 10.0];

    /// <summary>Renders series to a PNG file, written to a temporary file and renamed.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="series">The series.</param>
    /// <param name="width">The image width.</param>
    /// <param name="height">The image height.</param>
    /// <exception cref="ArgumentException">No series has a finite point.</exception>
    public static void Save(string path, IReadOnlyList<PlotSeries> series, int width = 480, int height = 300)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var image = Render(series, width, height);
        var temporary = path + ".tmp";
        image.SaveAsPng(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Renders series to an image.</summary>
    /// <param name="series">The series.</param>
    /// <param name="width">The image width.</param>
    /// <param name="height">The image height.</param>
    /// <returns>The image; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">No series has a finite point.</exception>
    public static Image<Rgba32> Render(IReadOnlyList<PlotSeries> series, int width = 480, int height = 300)
    {
        ArgumentNullException.ThrowIfNull(series);
        var points = series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        if (points.Count == 0)
        {
            throw new ArgumentException("A plot needs at least one finite point.", nameof(series));
        }

        var (xMin, xMax) = Range(points.Select(p => p.First));
        var (yMin, yMax) = Range(points.Select(p => p.Second));
        var image = new Image<Rgba32>(width, height, new Rgba32(255, 255, 255));
        var plotWidth = width - Left - Right;
        var plotHeight = height - Top - Bottom;
        double Px(double x) => Left + ((x - xMin) / (xMax - xMin) * plotWidth);
        double Py(double y) => Top + plotHeight - ((y - yMin) / (yMax - yMin) * plotHeight);

        var grid = new Rgba32(230, 230, 230);
        var ink = new Rgba32(60, 60, 60);
        foreach (var tick in Ticks(yMin, yMax))
        {
            var y = (int)Math.Round(Py(tick));
            BitmapFont.Fill(image, Left, y, plotWidth, 1, grid);
            var label = Format(tick);
            BitmapFont.Draw(image, label, Left - 6 - BitmapFont.Width(label, 2), y - 5, 2, ink);
        }

        foreach (var tick in Ticks(xMin, xMax))
        {
            var x = (int)Math.Round(Px(tick));
            BitmapFont.Fill(image, x, Top, 1, plotHeight, grid);
            var label = Format(tick);
            BitmapFont.Draw(image, label, x - (BitmapFont.Width(label, 2) / 2), Top + plotHeight + 8, 2, ink);
        }

        BitmapFont.Fill(image, Left, Top, 1, plotHeight, ink);
        BitmapFont.Fill(image, Left, Top + plotHeight, plotWidth + 1, 1, ink);
        foreach (var s in series)
        {
            var color = Parse(s.Color);
            (double X, double Y)? previous = null;
            for (var i = 0; i < Math.Min(s.X.Count, s.Y.Count); i++)
            {
                if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i]))
                {
                    previous = null;
                    continue;
                }

                var current = (Px(s.X[i]), Py(s.Y[i]));
                if (previous is { } p)
                {
                    Line(image, p.X, p.Y, current.Item1, current.Item2, color);
                }

                BitmapFont.Fill(image, (int)current.Item1 - 2, (int)current.Item2 - 2, 5, 5, color);
                previous = current;
            }
        }

        return image;
    }

    /// <summary>Formats an axis number compactly: at most four significant digits, exponent form for extremes.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The label.</returns>
    public static string Format(double value)
    {
        if (value == 0)
        {
            return "0";
        }

        var magnitude = Math.Abs(value);
        return magnitude is >= 1e-3 and < 1e5
            ? value.ToString("0.####", CultureInfo.InvariantCulture)
            : value.ToString("0.#e+0", CultureInfo.InvariantCulture);
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        var (min, max) = (list.Min(), list.Max());
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            return (min - 0.5, max + 0.5);
        }

        var pad = (max - min) * 0.05;
        return (min - pad, max + pad);
    }

    private static List<double> Ticks(double min, double max)
    {
        // A "nice" step of 1, 2 or 5 times a power of ten, about five ticks across the range.
        var raw = (max - min) / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = s_niceSteps.Select(m => m * power).First(s => s >= raw);
        var ticks = new List<double>();
        for (var t = Math.Ceiling(min / step) * step; t <= max + (step * 1e-9); t += step)
        {
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }

        return ticks;
    }

    private static Rgba32 Parse(string color) =>
        color.Length == 7 && color[0] == '#'
            ? new Rgba32(
                byte.Parse(color.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                byte.Parse(color.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                byte.Parse(color.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : new Rgba32(0, 0, 0);

    private static void Line(Image<Rgba32> image, double x0, double y0, double x1, double y1, Rgba32 color)
    {
        // Dense sampling with coverage blending: two pixels wide, smooth enough for a report.
        var length = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
        var steps = Math.Max(1, (int)(length * 3));
        for (var i = 0; i <= steps; i++)
        {
            var t = i / (double)steps;
            var x = x0 + ((x1 - x0) * t);
            var y = y0 + ((y1 - y0) * t);
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    var px = (int)Math.Floor(x) + dx;
                    var py = (int)Math.Floor(y) + dy;
                    if (px < 0 || py < 0 || px >= image.Width || py >= image.Height)
                    {
                        continue;
                    }

                    var distance = Math.Sqrt(Math.Pow(px + 0.5 - x, 2) + Math.Pow(py + 0.5 - y, 2));
                    var coverage = Math.Clamp(1.5 - distance, 0, 1);
                    if (coverage <= 0)
                    {
                        continue;
                    }

                    var old = image[px, py];
                    image[px, py] = new Rgba32(
                        (byte)Math.Min(old.R, (old.R * (1 - coverage)) + (color.R * coverage)),
                        (byte)Math.Min(old.G, (old.G * (1 - coverage)) + (color.G * coverage)),
                        (byte)Math.Min(old.B, (old.B * (1 - coverage)) + (color.B * coverage)));
                }
            }
        }
    }
}
