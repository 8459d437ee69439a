using MtlOnnx.Training.Multitask;

namespace MtlOnnx.Cli.Tests.Commands;

public sealed class CompareCommandTests
{
    private const string Job = """
        name: compare-cli
        seed: 1
        epochs: 1
        input: { kind: image, width: 16, height: 16, channels: 1 }
        trunk: { kind: mlp, hidden: [16] }
        tasks:
          - { name: shape, kind: multiclass }
          - { name: position, kind: regression, columns: [x, y] }
        data: { source: shapes, batch_size: 32, shapes: { image_size: 16, train_size: 96, validation_size: 32, test_size: 32 } }
        """;

    [Theory]
    [InlineData("ew,nosuch", "nosuch")]
    [InlineData("came-grad", "came-grad")]
    public void Compare_UnknownMethod_PrintsOneLineWithTheKnownMethods_ExitsWith1(string methods, string unknown)
    {
        using var folder = new TempFolder();
        var job = folder.Write("job.yaml", Job);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = Program.Run(["compare", job, "--methods", methods, "--output", folder.File("out")], output, error);

        Assert.Equal(1, code);
        Assert.Equal(
            $"mtlonnx compare: Unknown multi-task method '{unknown}'. Known methods: {string.Join(", ", MultitaskMethods.Names)}.",
            error.ToString().TrimEnd());
        Assert.False(Directory.Exists(folder.File("out")));
    }

    [Fact]
    public void Compare_TwoMethodsOneSeed_WritesTheTableAndPrintsIt()
    {
        using var folder = new TempFolder();
        var job = folder.Write("job.yaml", Job);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = Program.Run(
            ["compare", job, "--methods", "ew,pcgrad", "--seeds", "1", "--epochs", "2", "--output", folder.File("out")],
            output,
            error);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error.ToString());
        var csv = File.ReadAllLines(folder.Combine("out", "comparison.csv"));
        Assert.Equal(["single-task", "ew", "pcgrad"], csv.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Contains("| pcgrad | 1 | ", output.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(folder.Combine("out", "comparison.png")));
        Assert.True(File.Exists(folder.Combine("out", "seed-1", "single-task-position", "best.ckpt")));
    }
}
