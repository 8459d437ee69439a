using System.Text;
using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

public sealed class ModelExporterTests
{
    private static readonly TestModel s_model = TestModel.LeNet();

    internal static ExportSource Source(TestModel model, ValidationSet? validation = null) =>
        new(model.Eval, model.Parameters, model.Tasks)
        {
            InputNames = [model.InputName],
            DefaultName = "lenet",
            Card = model.Card(),
            Files = new Dictionary<string, byte[]> { ["vocab.txt"] = Encoding.UTF8.GetBytes("a\nb\n") },
            Validation = validation,
        };

    [Fact]
    public void Export_LeNet_WritesTritonRepositoryLayout()
    {
        using var repo = new TempFolder();

        var result = ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path });

        Assert.Equal("1", result.Version);
        Assert.True(File.Exists(repo.Combine("lenet", "1", "model.onnx")));
        Assert.Equal("a\nb\n", File.ReadAllText(repo.Combine("lenet", "1", "vocab.txt")));
        Assert.Equal("circle\nsquare\nstar\nmoon\ncross\n", File.ReadAllText(repo.Combine("lenet", "shape_labels.txt")));
        var config = File.ReadAllText(repo.Combine("lenet", "config.pbtxt"));
        Assert.Contains("name: \"lenet\"\n", config, StringComparison.Ordinal);
        Assert.Contains("platform: \"onnxruntime_onnx\"\n", config, StringComparison.Ordinal);
        Assert.Contains("max_batch_size: 64\n", config, StringComparison.Ordinal);
        Assert.Contains("    name: \"image\"\n    data_type: TYPE_FP32\n    dims: [ 3, 12, 12 ]\n", config, StringComparison.Ordinal);
        Assert.Contains(
            "    name: \"shape\"\n    data_type: TYPE_FP32\n    dims: [ 5 ]\n    label_filename: \"shape_labels.txt\"\n",
            config,
            StringComparison.Ordinal);
        Assert.Contains(
            "    name: \"shape_label\"\n    data_type: TYPE_INT64\n    dims: [ 1 ]\n    reshape: { shape: [ ] }\n",
            config,
            StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(repo.Path, ".*"));
        Assert.NotNull(result.VerifiedDifference);
        Assert.InRange(result.VerifiedDifference!.Value, 0, 1e-4);

        var model = OnnxModelIO.Load(result.ModelPath);
        var card = ModelCard.ReadFrom(model);
        Assert.Equal(["shape", "shape_probabilities", "shape_label"], card.FindTask("shape")!.Outputs);
        Assert.Equal(["size"], card.FindTask("size")!.Outputs);
        Assert.Equal("float32", model.MetadataProps.Single(p => p.Key == ModelExporter.PrecisionKey).Value);
    }

    [Fact]
    public void Export_SameSourceTwice_WritesByteIdenticalFiles()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();

        ModelExporter.Export(Source(s_model), new ExportOptions { Repository = first.Path });
        ModelExporter.Export(Source(TestModel.LeNet()), new ExportOptions { Repository = second.Path });

        var a = TempFolder.Snapshot(first.Path);
        var b = TempFolder.Snapshot(second.Path);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys)
        {
            Assert.True(a[key].AsSpan().SequenceEqual(b[key]), $"'{key}' differs between the two exports.");
        }
    }

    [Fact]
    public void Export_WithoutVersion_TakesNextNumber()
    {
        using var repo = new TempFolder();

        ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path });
        var second = ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Verify = false });

        Assert.Equal("2", second.Version);
        Assert.True(File.Exists(repo.Combine("lenet", "2", "model.onnx")));
    }

    [Fact]
    public void Export_ExistingVersion_IsRefusedAndRepositoryUnchanged()
    {
        using var repo = new TempFolder();
        ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Version = "3" });
        File.WriteAllText(repo.Combine("lenet", "3", "model.onnx"), "earlier");
        var before = TempFolder.Snapshot(repo.Path);

        var error = Assert.Throws<ModelRepositoryException>(() =>
            ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Version = "3" }));

        Assert.Contains("Version 3 of model 'lenet' already exists", error.Message, StringComparison.Ordinal);
        Assert.Contains("--force", error.Message, StringComparison.Ordinal);
        AssertSameTree(before, TempFolder.Snapshot(repo.Path));
    }

    [Fact]
    public void Export_ExistingVersionWithForce_ReplacesIt()
    {
        using var repo = new TempFolder();
        ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Version = "3" });
        File.WriteAllText(repo.Combine("lenet", "3", "stale.txt"), "from an earlier export");

        ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Version = "3", Force = true });

        Assert.False(File.Exists(repo.Combine("lenet", "3", "stale.txt")));
        Assert.True(File.Exists(repo.Combine("lenet", "3", "model.onnx")));
        Assert.Empty(Directory.EnumerateDirectories(repo.Path, ".*"));
    }

    [Fact]
    public void Export_RepositoryUnderAFile_ThrowsAndCreatesNothing()
    {
        using var temp = new TempFolder();
        var file = temp.Combine("not-a-folder");
        File.WriteAllText(file, "x");
        var before = TempFolder.Snapshot(temp.Path);

        var error = Assert.Throws<ModelRepositoryException>(() =>
            ModelExporter.Export(Source(s_model), new ExportOptions { Repository = Path.Combine(file, "repo") }));

        Assert.Contains("Cannot write to the model repository", error.Message, StringComparison.Ordinal);
        AssertSameTree(before, TempFolder.Snapshot(temp.Path));
    }

    [Fact]
    public void Export_ModelFolderTakenByAFile_ThrowsAndRepositoryUnchanged()
    {
        using var repo = new TempFolder();
        File.WriteAllText(repo.Combine("lenet"), "a file where the model folder would go");
        var before = TempFolder.Snapshot(repo.Path);

        var error = Assert.Throws<ModelRepositoryException>(() =>
            ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Version = "1" }));

        Assert.Contains("is a file", error.Message, StringComparison.Ordinal);
        AssertSameTree(before, TempFolder.Snapshot(repo.Path));
    }

    [Theory]
    [InlineData("../escape", "1")]
    [InlineData("lenet", "0")]
    [InlineData("lenet", "v2")]
    public void Export_InvalidNameOrVersion_Throws(string name, string version)
    {
        using var repo = new TempFolder();

        Assert.Throws<ModelRepositoryException>(() =>
            ModelExporter.Export(Source(s_model), new ExportOptions { Repository = repo.Path, Name = name, Version = version }));
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    [Fact]
    public void Export_MismatchedCheckpoint_ThrowsAndWritesNothing()
    {
        using var repo = new TempFolder();
        var other = TestModel.LeNet(imageSize: 16);
        var source = new ExportSource(s_model.Eval, other.Parameters, s_model.Tasks) { InputNames = [s_model.InputName] };

        var error = Assert.Throws<ParameterMismatchException>(() =>
            ModelExporter.Export(source, new ExportOptions { Repository = repo.Path }));

        Assert.Contains("'fc1.weight'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    [Fact]
    public void Export_GraphWhoseOutputsDrift_FailsVerificationAndWritesNothing()
    {
        using var repo = new TempFolder();
        var b = GraphBuilder.FromModel(s_model.Eval);
        var noise = b.Node("RandomUniformLike", [new GraphValue(s_model.Tasks[1].SourceOutput)]);
        var noisy = b.Add(new GraphValue(s_model.Tasks[1].SourceOutput), noise);
        ExportTask[] tasks = [s_model.Tasks[0], new ExportTask("size", TaskKind.Regression, noisy.Name)];
        var source = new ExportSource(b.ToModel(), s_model.Parameters, tasks) { InputNames = [s_model.InputName] };

        var error = Assert.Throws<ExportVerificationException>(() =>
            ModelExporter.Export(source, new ExportOptions { Repository = repo.Path }));

        Assert.Contains("Output 'size'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    private static void AssertSameTree(SortedDictionary<string, byte[]> expected, SortedDictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var key in expected.Keys)
        {
            Assert.True(expected[key].AsSpan().SequenceEqual(actual[key]), $"'{key}' changed.");
        }
    }
}
