using MtlOnnx.Onnx;
using MtlOnnx.Training.Checkpoints;

namespace MtlOnnx.Export.Tests;

public sealed class CheckpointDirectoryTests
{
    private static readonly TestModel s_model = TestModel.LeNet();

    /// <summary>Writes a checkpoint directory as training leaves it.</summary>
    internal static string Write(string directory, TestModel model, IReadOnlyDictionary<string, TensorProto>? parameters = null)
    {
        Directory.CreateDirectory(directory);
        OnnxModelIO.Save(model.Eval, Path.Combine(directory, CheckpointDirectory.EvalModelFileName));
        var checkpoint = new TrainingCheckpoint();
        foreach (var (name, tensor) in parameters ?? model.Parameters)
        {
            checkpoint.Tensors.Add(new CheckpointTensor(
                name, CheckpointTensorRole.Trainable, tensor.Dims.ToArray(), TensorProtos.ToArray<float>(tensor)));
        }

        checkpoint.Save(Path.Combine(directory, CheckpointDirectory.CheckpointFileName));
        File.WriteAllText(Path.Combine(directory, CheckpointDirectory.ModelCardFileName), model.Card().ToJson());
        return directory;
    }

    [Fact]
    public void Export_FromCheckpointDirectory_WritesVerifiedModel()
    {
        using var temp = new TempFolder();
        var checkpoint = Write(temp.Combine("shapes-run"), s_model);

        var result = ModelExporter.Export(new ExportOptions { Checkpoint = checkpoint, Repository = temp.Combine("repo") });

        Assert.Equal("shapes-run", result.Name);
        Assert.True(File.Exists(temp.Combine("repo", "shapes-run", "1", "model.onnx")));
        Assert.InRange(result.VerifiedDifference!.Value, 0, 1e-4);
        var card = MtlOnnx.ModelCards.ModelCard.ReadFrom(OnnxModelIO.Load(result.ModelPath));
        Assert.Equal(["defect", "defect_probabilities", "defect_label"], card.FindTask("defect")!.Outputs);
    }

    [Theory]
    [InlineData(CheckpointDirectory.EvalModelFileName)]
    [InlineData(CheckpointDirectory.CheckpointFileName)]
    [InlineData(CheckpointDirectory.ModelCardFileName)]
    public void Export_CheckpointDirectoryMissingAFile_ThrowsNamingIt(string file)
    {
        using var temp = new TempFolder();
        var checkpoint = Write(temp.Combine("run"), s_model);
        File.Delete(Path.Combine(checkpoint, file));

        var error = Assert.Throws<ExportException>(() =>
            ModelExporter.Export(new ExportOptions { Checkpoint = checkpoint, Repository = temp.Combine("repo") }));

        Assert.Contains($"has no '{file}'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("repo")));
    }

    [Fact]
    public void Export_MissingCheckpointDirectory_Throws()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<ExportException>(() =>
            ModelExporter.Export(new ExportOptions { Checkpoint = temp.Combine("nope"), Repository = temp.Combine("repo") }));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("repo")));
    }

    [Fact]
    public void Export_CorruptCheckpoint_ThrowsAndWritesNothing()
    {
        using var temp = new TempFolder();
        var checkpoint = Write(temp.Combine("run"), s_model);
        File.WriteAllBytes(Path.Combine(checkpoint, CheckpointDirectory.CheckpointFileName), [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var error = Assert.Throws<ExportException>(() =>
            ModelExporter.Export(new ExportOptions { Checkpoint = checkpoint, Repository = temp.Combine("repo") }));

        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("repo")));
    }

    [Fact]
    public void Export_CheckpointOfAnotherModel_ThrowsMismatchAndWritesNothing()
    {
        using var temp = new TempFolder();
        var checkpoint = Write(temp.Combine("run"), s_model, TestModel.LeNet(imageSize: 16).Parameters);

        var error = Assert.Throws<ParameterMismatchException>(() =>
            ModelExporter.Export(new ExportOptions { Checkpoint = checkpoint, Repository = temp.Combine("repo") }));

        Assert.Contains("'fc1.weight'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("repo")));
    }
}
