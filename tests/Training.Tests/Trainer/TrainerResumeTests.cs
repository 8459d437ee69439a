using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Tests.Trainer;

public sealed class TrainerResumeTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(48)]
    public void Interrupted_ThenResumed_EndsWithTheSameMetricsAsAnUninterruptedRun(int stopAfterSteps)
    {
        using var folder = new TempFolder();
        var extra = "schedule: { kind: cosine, warmup_steps: 5 }";
        var reference = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File("a"),
            "{ kind: mmoe, experts: 2, expert_hidden: [16] }", epochs: 3, train: 768, extra: extra), "a.yaml", folder.Path);
        var interrupted = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File("b"),
            "{ kind: mmoe, experts: 2, expert_hidden: [16] }", epochs: 3, train: 768, extra: extra), "b.yaml", folder.Path);

        var straight = new MultiTaskTrainer(reference, new TrainerOptions { WriteReport = false, Threads = 1 }).Run();
        using var stop = new CancellationTokenSource();
        var first = new MultiTaskTrainer(interrupted, new TrainerOptions { WriteReport = false, Threads = 1,
            Observer = new StopAfterSteps(stopAfterSteps, stop) }).Run(stop.Token);
        var resumed = new MultiTaskTrainer(interrupted, new TrainerOptions { WriteReport = false, Threads = 1, Resume = true }).Run();

        Assert.True(first.Interrupted);
        Assert.False(resumed.Interrupted);
        Assert.Equal(3, resumed.History.Count);
        for (var e = 0; e < 3; e++)
        {
            Assert.Equal(straight.History[e].TrainLoss["shape"], resumed.History[e].TrainLoss["shape"], 10);
            Assert.Equal(straight.History[e].ValidationLoss["position"], resumed.History[e].ValidationLoss["position"], 10);
        }

        Assert.Equal(straight.Test!.Metrics["shape"]["accuracy"], resumed.Test!.Metrics["shape"]["accuracy"]);
        Assert.Equal(straight.Test.Metrics["position"]["rmse"], resumed.Test.Metrics["position"]["rmse"], 12);
    }

    [Fact]
    public void Resume_WithoutCheckpoint_FailsNamingTheFile()
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File("none"), "{ kind: hard-sharing }",
            epochs: 1, train: 64), "n.yaml", folder.Path);

        var error = Assert.Throws<FileNotFoundException>(() => new MultiTaskTrainer(job, new TrainerOptions { Resume = true }).Run());

        Assert.Contains("last.ckpt", error.Message, StringComparison.Ordinal);
    }
}
