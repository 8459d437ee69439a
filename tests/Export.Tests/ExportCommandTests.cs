using MtlOnnx.Cli;

namespace MtlOnnx.Export.Tests;

public sealed class ExportCommandTests
{
    private static readonly TestModel s_model = TestModel.LeNet();

    [Fact]
    public void Export_Command_WritesRepositoryAndReports()
    {
        using var temp = new TempFolder();
        var checkpoint = CheckpointDirectoryTests.Write(temp.Combine("run"), s_model);
        var repo = temp.Combine("repo");

        var (code, output, error) = Run("export", checkpoint, "--repository", repo, "--name", "shapes", "--int8", "--explain");

        Assert.True(code == 0, error);
        Assert.Contains("Exported 'shapes' version 1", output, StringComparison.Ordinal);
        Assert.Contains("4 batch norms folded", output, StringComparison.Ordinal);
        Assert.Contains("Int8:", output, StringComparison.Ordinal);
        Assert.Contains("note: no validation data", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(repo, "shapes", "1", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(repo, "shapes", "1", "explain.onnx")));
        Assert.True(File.Exists(Path.Combine(repo, "shapes", "config.pbtxt")));
    }

    [Fact]
    public void Export_CommandOnExistingVersion_FailsWithOneLineAndKeepsFiles()
    {
        using var temp = new TempFolder();
        var checkpoint = CheckpointDirectoryTests.Write(temp.Combine("run"), s_model);
        var repo = temp.Combine("repo");
        Assert.Equal(0, Run("export", checkpoint, "--repository", repo, "--version", "2").Code);
        var before = TempFolder.Snapshot(repo);

        var (code, _, error) = Run("export", checkpoint, "--repository", repo, "--version", "2");

        Assert.Equal(1, code);
        Assert.StartsWith("mtlonnx export: Version 2 of model 'run' already exists", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal(before.Keys, TempFolder.Snapshot(repo).Keys);
        Assert.Equal(0, Run("export", checkpoint, "--repository", repo, "--version", "2", "--force", "--no-verify").Code);
    }

    [Fact]
    public void Export_CommandWithBothPrecisions_IsRejected()
    {
        using var temp = new TempFolder();

        var (code, _, error) = Run("export", temp.Path, "--repository", temp.Combine("repo"), "--fp16", "--int8");

        Assert.NotEqual(0, code);
        Assert.Contains("--fp16 and --int8 cannot be combined", error, StringComparison.Ordinal);
    }

    /// <summary>Runs the mtlonnx command line in process and returns its exit code and both streams.</summary>
    internal static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
