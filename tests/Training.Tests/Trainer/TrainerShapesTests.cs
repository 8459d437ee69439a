using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Tests.Trainer;

public sealed class TrainerShapesTests
{
    internal static string ShapesJob(
        string folder,
        string architecture,
        string trunk = "{ kind: lenet, channels: [8, 16], kernels: [5, 3], features: 32 }",
        int epochs = 2,
        int train = 1536,
        string extra = "") => $$"""
        name: test
        seed: 5
        epochs: {{epochs}}
        output: {{folder}}
        trunk: {{trunk}}
        architecture: {{architecture}}
        tasks:
          - { name: shape, kind: multiclass }
          - { name: position, kind: regression, columns: [x, y] }
        data: { source: shapes, batch_size: 32, prefetch: 2, shapes: { train_size: {{train}}, validation_size: 256, test_size: 256 } }
        optimizer: { kind: adam, learning_rate: 0.003 }
        {{extra}}
        """;

    [Theory]
    [InlineData("{ kind: hard-sharing }")]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [32] }")]
    [InlineData("{ kind: task-routed, experts: 2, expert_hidden: [32] }")]
    [InlineData("{ kind: lora, rank: 4 }")]
    [InlineData("{ kind: wta, units: 32, group_size: 2 }")]
    public void Architecture_TrainsOnShapes_LossFallsAndShapeIsLearned(string architecture)
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(ShapesJob(folder.Path, architecture), "job.yaml", folder.Path);

        var result = new MultiTaskTrainer(job, new TrainerOptions { WriteReport = false }).Run();

        var first = result.History[0];
        var last = result.History[^1];
        Assert.False(result.Interrupted);
        Assert.Equal(2, result.History.Count);
        // Two short epochs: both losses fall, the shape beats chance and the position is largely learned.
        Assert.True(last.TrainLoss["shape"] < first.TrainLoss["shape"],
            $"shape loss {first.TrainLoss["shape"]} -> {last.TrainLoss["shape"]}");
        Assert.True(last.TrainLoss["position"] < first.TrainLoss["position"],
            $"position loss {first.TrainLoss["position"]} -> {last.TrainLoss["position"]}");
        Assert.True(last.ValidationLoss["shape"] < Math.Log(3), $"shape loss {last.ValidationLoss["shape"]}");
        Assert.True(result.Test!.Metrics["position"]["r2"] > 0.5, $"position R² {result.Test.Metrics["position"]["r2"]}");
        Assert.True(File.Exists(result.BestCheckpoint));
    }
}
