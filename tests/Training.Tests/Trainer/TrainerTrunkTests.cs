using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Tests.Trainer;

public sealed class TrainerTrunkTests
{
    [Theory]
    [InlineData("{ kind: mlp, hidden: [64, 32] }")]
    [InlineData("{ kind: resnet, channels: [8, 16] }")]
    [InlineData("{ kind: vit, patch_size: 8, dim: 32, depth: 1, heads: 2 }")]
    public void ImageTrunk_TrainsOnSmallShapes_PositionLossFalls(string trunk)
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.Path, "{ kind: hard-sharing }", trunk,
            epochs: 2, train: 640), "job.yaml", folder.Path);

        var result = new MultiTaskTrainer(job, new TrainerOptions { WriteReport = false }).Run();

        Assert.True(result.History[^1].TrainLoss["position"] < result.History[0].TrainLoss["position"]);
        Assert.True(double.IsFinite(result.History[^1].ValidationLoss["position"]));
        Assert.True(double.IsFinite(result.Test!.Metrics["position"]["r2"]));
    }

    [Fact]
    public void TextJob_CsvManifest_TrainsEndToEndWithMissingLabels()
    {
        using var folder = new TempFolder();
        var job = TicketsJob(folder, epochs: 6);

        var result = new MultiTaskTrainer(job).Run();

        Assert.True(result.Validation!.Metrics["topic"]["accuracy"] > 0.9, $"topic {result.Validation.Metrics["topic"]["accuracy"]}");
        Assert.True(result.History[^1].TrainLoss["tags"] < result.History[0].TrainLoss["tags"]);
        Assert.True(result.History[^1].TrainLoss["urgent"] < result.History[0].TrainLoss["urgent"]);
        Assert.True(result.History[^1].TrainLoss["minutes"] < result.History[0].TrainLoss["minutes"]);
        Assert.True(File.Exists(Path.Combine(folder.File("run"), "report", "index.html")));
    }

    /// <summary>
    /// Writes a small ticket CSV (topic, urgency, tags and minutes, some labels missing) and a vocabulary, and returns
    /// the text preset's job over them.
    /// </summary>
    internal static JobSpec TicketsJob(TempFolder folder, int epochs, string optimizer = "")
    {
        var words = new[] { "refund", "late", "password", "invoice", "parcel", "login", "charge", "reset", "please", "my", "the", "again" };
        TestImages.WriteVocabulary(folder.Path, words);
        var random = new MtlOnnx.Training.Data.SeededRandom(3);
        var rows = new List<string> { "text,topic,urgent,tags,minutes" };
        string[] topics = ["billing", "shipping", "account"];
        for (var i = 0; i < 240; i++)
        {
            var topic = random.NextInt(3);
            var key = topic switch { 0 => "invoice charge refund", 1 => "parcel late", _ => "password login reset" };
            var urgent = random.NextInt(2);
            var text = $"{(urgent == 1 ? "again please" : "my")} {key} the";
            var tags = topic switch { 0 => "refund|invoice", 1 => "delay", _ => "password" };
            var minutes = (10 + (topic * 20) + (urgent * 5)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            rows.Add($"{text},{(i % 7 == 0 ? "" : topics[topic])},{urgent},{tags},{(i % 5 == 0 ? "" : minutes)}");
        }

        File.WriteAllLines(folder.File("tickets.csv"), rows);
        var preset = File.ReadAllText(RepositoryPaths.File("models", "text-tickets.yaml"))
            .Replace("epochs: 8", $"epochs: {epochs}", StringComparison.Ordinal);
        if (optimizer.Length > 0)
        {
            preset = preset.Replace("optimizer:\n  kind: adamw\n  learning_rate: 0.0005", optimizer, StringComparison.Ordinal);
        }

        return JobFile.Parse(preset + $"\noutput: {folder.File("run")}\n", "text.yaml", folder.Path);
    }

    [Fact]
    public void ImageFolderJob_DecodedWithImageSharp_LearnsBothTasks()
    {
        using var folder = new TempFolder();
        var rows = new List<string> { "path,brightness,colour" };
        for (var i = 0; i < 160; i++)
        {
            var bright = i % 2 == 0;
            var red = (i / 2) % 2 == 0;
            var name = $"images/{i:D3}.{(i % 3 == 0 ? "jpg" : "png")}";
            TestImages.Write(folder.File(name), 16, bright, red, i);
            rows.Add($"{name},{(bright ? "left" : "right")},{(red ? 1 : 0)}");
        }

        File.WriteAllLines(folder.File("images.csv"), rows);
        var job = JobFile.Parse($$"""
            name: images
            seed: 2
            epochs: 4
            output: {{folder.File("run")}}
            input: { width: 16, height: 16, channels: 3, mean: [0.5], std: [0.25], augmentation: { brightness: 0.1 } }
            trunk: { kind: lenet, channels: [4, 8], kernels: [3, 3], features: 16 }
            tasks:
              - { name: brightness, kind: multiclass, labels: [left, right] }
              - { name: colour, kind: binary }
            data: { source: csv, path: images.csv, image_column: path, batch_size: 16, validation_fraction: 0.25 }
            optimizer: { kind: adam, learning_rate: 0.01 }
            """, "images.yaml", folder.Path);

        var result = new MultiTaskTrainer(job, new TrainerOptions { WriteReport = false }).Run();

        Assert.True(result.Validation!.Metrics["brightness"]["accuracy"] > 0.9, $"{result.Validation.Metrics["brightness"]["accuracy"]}");
        Assert.True(result.Validation.Metrics["colour"]["auroc"] > 0.9, $"{result.Validation.Metrics["colour"]["auroc"]}");
    }
}
