using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Export.Tests;

public sealed class TrainerCheckpointExportTests : IClassFixture<TrainedShapesRun>
{
    private const int Samples = 24;
    private readonly TrainedShapesRun _run;

    public TrainerCheckpointExportTests(TrainedShapesRun run)
    {
        _run = run;
    }

    [Fact]
    public void Export_TrainerCheckpoint_OutputsEqualTheTrainersEvalAndTheCardDescribesTheJob()
    {
        var repo = _run.Folder("repo-equal");

        var (code, output, error) = Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", repo);

        Assert.True(code == 0, error);
        Assert.Contains("Exported 'tiny-shapes' version 1", output, StringComparison.Ordinal);
        var model = OnnxModelIO.Load(Path.Combine(repo, "tiny-shapes", "1", ModelExporter.ModelFileName));
        using var evaluator = new CheckpointEvaluator(_run.Job, _run.Checkpoint);
        var expected = evaluator.Outputs("test", Samples);
        var exported = OrtTestRunner.Run(model, new Dictionary<string, (float[], long[])>
        {
            ["input"] = (TestInputs(evaluator), [Samples, 1, 16, 16]),
        }, null, ["shape", "position"]);

        // The trainer's eval step gives logits and standardised positions; the export gives positions in their units.
        OrtTestRunner.AssertClose(expected[0], exported["shape"], 1e-5, "shape logits");
        var position = evaluator.Model.Task("position");
        var destandardised = expected[1]
            .Select((v, i) => (float)((v * position.TargetStd[i % 2]) + position.TargetMean[i % 2]))
            .ToArray();
        OrtTestRunner.AssertClose(destandardised, exported["position"], 1e-5, "position");

        var card = ModelCard.ReadFrom(model, "model.onnx");
        var image = card.Inputs.Single().Image!;
        Assert.Equal((1, 16, 16), (image.Channels, image.Width, image.Height));
        Assert.Equal(new Dim[] { Dim.Symbol("batch"), 1, 16, 16 }, card.Inputs[0].Shape);
        Assert.Equal(["square", "ellipse", "heart"], card.FindTask("shape")!.Labels);
        Assert.Equal(["x", "y"], card.FindTask("position")!.Labels);
        Assert.Equal("canvas", card.FindTask("position")!.Units);
        Assert.Equal(TrainerCheckpoint.HashJob(File.ReadAllText(_run.JobPath)), card.Provenance!.JobHash);
        Assert.StartsWith("shapes/train", card.Provenance.Dataset, StringComparison.Ordinal);
        var accuracy = evaluator.Evaluate("validation").Metrics["shape"]["accuracy"];
        Assert.Equal(accuracy, card.Provenance.Metrics["shape.accuracy"], 12);
        Assert.Equal(card.ToJson(), ModelCard.FromJson(card.ToJson()).ToJson());
    }

    [Fact]
    public void Export_SameTrainerCheckpointTwice_WritesIdenticalFiles()
    {
        var first = _run.Folder("repo-twice-1");
        var second = _run.Folder("repo-twice-2");

        Assert.Equal(0, Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", first).Code);
        Assert.Equal(0, Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", second).Code);

        var a = TempFolder.Snapshot(first);
        var b = TempFolder.Snapshot(second);
        Assert.Equal(a.Keys, b.Keys);
        Assert.All(a, pair => Assert.Equal(pair.Value, b[pair.Key]));
    }

    [Fact]
    public void Export_RunFolder_ExportsItsBestCheckpoint()
    {
        var repo = _run.Folder("repo-run-folder");

        var (code, _, error) = Run("export", Path.GetDirectoryName(_run.Checkpoint)!, "--job", _run.JobPath,
            "--repository", repo, "--name", "from-folder");

        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(repo, "from-folder", "1", ModelExporter.ModelFileName)));
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("no-job", "pass --job FILE")]
    [InlineData("other-name", "was trained by job 'tiny-shapes', but the job given is 'other'")]
    [InlineData("other-trunk", "does not fit the model of job 'tiny-shapes'")]
    [InlineData("corrupt", "cannot be read")]
    public void Export_BadCheckpointOrJob_FailsWithOneLineAndWritesNothing(string breakage, string message)
    {
        var folder = _run.Folder("bad-" + breakage);
        Directory.CreateDirectory(folder);
        var repo = Path.Combine(folder, "repo");
        Directory.CreateDirectory(repo);
        var checkpoint = _run.Checkpoint;
        var job = _run.JobPath;
        switch (breakage)
        {
            case "missing":
                checkpoint = Path.Combine(folder, "nothing.ckpt");
                break;
            case "other-name":
                job = Path.Combine(folder, "other.yaml");
                File.WriteAllText(job, TrainedShapesRun.JobText("other", features: 16));
                break;
            case "other-trunk":
                job = Path.Combine(folder, "wide.yaml");
                File.WriteAllText(job, TrainedShapesRun.JobText("tiny-shapes", features: 24));
                break;
            case "corrupt":
                checkpoint = Path.Combine(folder, "corrupt.ckpt");
                var bytes = File.ReadAllBytes(_run.Checkpoint);
                File.WriteAllBytes(checkpoint, bytes.AsSpan(0, bytes.Length / 2).ToArray());
                break;
            default:
                break;
        }

        string[] args = breakage == "no-job"
            ? ["export", checkpoint, "--repository", repo]
            : ["export", checkpoint, "--job", job, "--repository", repo];
        var (code, _, error) = Run(args);

        Assert.Equal(1, code);
        Assert.StartsWith("mtlonnx export: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo));
    }

    [Fact]
    public void Export_ExistingVersion_IsRefusedUnlessForcedAndLeavesTheRepository()
    {
        var repo = _run.Folder("repo-existing");
        Assert.Equal(0, Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", repo).Code);
        var before = TempFolder.Snapshot(repo);

        var (code, _, error) = Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", repo,
            "--version", "1", "--int8");

        Assert.Equal(1, code);
        Assert.Contains("Version 1 of model 'tiny-shapes' already exists", error, StringComparison.Ordinal);
        var after = TempFolder.Snapshot(repo);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, pair => Assert.Equal(pair.Value, after[pair.Key]));

        var forced = Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", repo, "--version", "1",
            "--int8", "--force", "--max-metric-drop", "100", "--max-error-increase", "100");
        Assert.True(forced.Code == 0, forced.Error);
        Assert.NotEqual(before["tiny-shapes/1/model.onnx"], File.ReadAllBytes(Path.Combine(repo, "tiny-shapes", "1",
            ModelExporter.ModelFileName)));
    }

    [Fact]
    public void Export_Int8WithZeroThreshold_IsRefusedWithTheFiguresAndWritesNothing()
    {
        var repo = _run.Folder("repo-refused");

        var (code, output, error) = Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", repo,
            "--int8", "--max-metric-drop", "0", "--max-error-increase", "0");

        Assert.True(code == 1, output);
        Assert.Contains("The Int8 export of model 'tiny-shapes' was refused", error, StringComparison.Ordinal);
        Assert.Contains("position: mae", error, StringComparison.Ordinal);
        Assert.Contains("bytes", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repo, "tiny-shapes")));
    }

    [Theory]
    [InlineData("--int8")]
    [InlineData("--fp16")]
    public void Export_ReducedPrecisionWithGenerousThreshold_ReportsSizeAndMetricChange(string precision)
    {
        var repo = _run.Folder("repo-generous" + precision);

        var (code, output, error) = Run("export", _run.Checkpoint, "--job", _run.JobPath, "--repository", repo,
            precision, "--max-metric-drop", "100", "--max-error-increase", "100", "--validation-samples", "200");

        Assert.True(code == 0, error);
        Assert.Matches(@"shape: accuracy \d+\.\d\d% -> \d+\.\d\d%", output);
        Assert.Matches(@"position: mae [\d.]+ -> [\d.]+", output);
        Assert.Contains("metric change measured on 200 samples of the validation split", output, StringComparison.Ordinal);
        var model = OnnxModelIO.Load(Path.Combine(repo, "tiny-shapes", "1", ModelExporter.ModelFileName));
        Assert.Equal(1, ModelCard.ReadFrom(model).Inputs[0].Image!.Channels);
    }

    private static float[] TestInputs(CheckpointEvaluator evaluator)
    {
        var loader = new BatchLoader(evaluator.Splits.Test!, new BatchLoaderOptions { BatchSize = Samples, Prefetch = 0 });
        var batch = loader.Epoch(0).First();
        return batch.Inputs.AsSpan(0, Samples * 16 * 16).ToArray();
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => ExportCommandTests.Run(args);
}
