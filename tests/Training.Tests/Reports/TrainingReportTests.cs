using MtlOnnx.Training.Reports;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MtlOnnx.Training.Tests.Reports;

public sealed class TrainingReportTests
{
    [Fact]
    public void Write_ThreeEpochs_WritesDecodablePlotsAndAPageThatShowsThem()
    {
        using var folder = new TempFolder();
        var history = Enumerable.Range(0, 3).Select(e => new EpochRecord
        {
            Epoch = e,
            TrainLoss = new() { ["shape"] = 1.0 / (e + 1), ["position"] = 0.5 / (e + 1) },
            ValidationLoss = new() { ["shape"] = 1.1 / (e + 1), ["position"] = 0.6 / (e + 1) },
            ValidationMetrics = new() { ["shape"] = new() { ["accuracy"] = 0.5 + (0.1 * e) } },
            LearningRate = 1e-3,
            SamplesPerSecond = 1000,
            Seconds = 2,
        }).ToList();

        var index = TrainingReport.Write(folder.File("report"), "demo", history, new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["shape"] = new Dictionary<string, double> { ["accuracy"] = 0.97 },
        }, "test");
        var html = File.ReadAllText(index);

        foreach (var png in new[] { "loss_shape.png", "loss_position.png", "metric_shape_accuracy.png" })
        {
            Assert.Contains($"src=\"{png}\"", html, StringComparison.Ordinal);
            using var image = Image.Load<Rgba32>(folder.File(Path.Combine("report", png)));
            Assert.Equal(480, image.Width);
        }

        Assert.Contains("<td>0.9700</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RisingSeries_DrawsItsColourLowOnTheLeftAndHighOnTheRight()
    {
        using var image = LinePlot.Render([new PlotSeries("s", [1, 2, 3], [0, 5, 10], "#ff0000")]);

        int RedRow(int x)
        {
            for (var y = 0; y < image.Height; y++)
            {
                var p = image[x, y];
                if (p.R > 200 && p.G < 80)
                {
                    return y;
                }
            }

            return -1;
        }

        var leftRow = RedRow(100);
        var rightRow = RedRow(430);
        Assert.True(leftRow > 0 && rightRow > 0, $"{leftRow} {rightRow}");
        Assert.True(leftRow > rightRow + 150, $"left {leftRow}, right {rightRow}");
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(0.25, "0.25")]
    [InlineData(12345.0, "12345")]
    [InlineData(0.00002, "2e-5")]
    public void Format_AxisNumbers_AreCompact(double value, string expected) =>
        Assert.Equal(expected, LinePlot.Format(value));
}
