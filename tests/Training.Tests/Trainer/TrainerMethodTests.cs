using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Tests.Trainer;

public sealed class TrainerMethodTests
{
    private const string DropoutTrunk = "{ kind: lenet, channels: [8, 16], kernels: [5, 3], features: 32, dropout: 0.3 }";

    [Theory]
    [InlineData("gradients: pcgrad")]
    [InlineData("gradients: { method: mgda, mode: representation }")]
    [InlineData("weighting: famo")]
    [InlineData("weighting: uw")]
    public void Method_TrainsOnShapes_ThroughTheBoundTrainingGraph(string method)
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.Path, "{ kind: hard-sharing }", epochs: 2,
            train: 768, extra: method), "job.yaml", folder.Path);

        var result = new MultiTaskTrainer(job, new TrainerOptions { WriteReport = false, Threads = 1 }).Run();

        // The step runs the training graph through an IO binding that writes gradients (and, for aggregators, the
        // per-task rows) into the engine's buffers: if any of them were not written, nothing would be learned.
        var first = result.History[0];
        var last = result.History[^1];
        Assert.True(last.TrainLoss["shape"] < first.TrainLoss["shape"],
            $"{method}: shape loss {first.TrainLoss["shape"]} -> {last.TrainLoss["shape"]}");
        Assert.True(last.TrainLoss["position"] < first.TrainLoss["position"],
            $"{method}: position loss {first.TrainLoss["position"]} -> {last.TrainLoss["position"]}");
        Assert.True(double.IsFinite(result.Test!.Metrics["position"]["rmse"]), $"{method}: position RMSE is not finite");
    }

    [Theory]
    [InlineData("weighting: dwa", 30)]
    [InlineData("weighting: famo", 11)]
    [InlineData("weighting: { method: rlw, options: { seed: 3 } }", 40)]
    [InlineData("weighting: uw", 25)]
    [InlineData("gradients: gradvac", 30)]
    [InlineData("gradients: dbmtl", 17)]
    [InlineData("gradients: graddrop", 40)]
    public void StatefulMethodWithDropout_InterruptedAndResumed_MatchesARunThatWentThrough(string method, int stopAfter)
    {
        using var folder = new TempFolder();
        JobSpec Job(string name) => JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File(name),
            "{ kind: hard-sharing }", trunk: DropoutTrunk, epochs: 3, train: 768, extra: method), name + ".yaml",
            folder.Path);

        var straight = new MultiTaskTrainer(Job("a"), new TrainerOptions { WriteReport = false, Threads = 1 }).Run();
        using var stop = new CancellationTokenSource();
        var first = new MultiTaskTrainer(Job("b"), new TrainerOptions { WriteReport = false, Threads = 1,
            Observer = new StopAfterSteps(stopAfter, stop) }).Run(stop.Token);
        var resumed = new MultiTaskTrainer(Job("b"), new TrainerOptions { WriteReport = false, Threads = 1,
            Resume = true }).Run();

        Assert.True(first.Interrupted);
        Assert.Equal(3, resumed.History.Count);
        for (var e = 0; e < 3; e++)
        {
            // The method's state (learned weights, moving averages, random streams) and the dropout masks after the
            // resume are those of the uninterrupted run.
            // The method's weights and the dropout masks after the resume are those of the uninterrupted run.
            foreach (var task in new[] { "shape", "position" })
            {
                Assert.Equal(straight.History[e].TaskWeights[task], resumed.History[e].TaskWeights[task], 6);
                Assert.Equal(straight.History[e].TrainLoss[task], resumed.History[e].TrainLoss[task], 6);
                Assert.Equal(straight.History[e].ValidationLoss[task], resumed.History[e].ValidationLoss[task], 6);
            }
        }
    }

    [Fact]
    public void Resume_CheckpointWithDamagedMethodState_FailsNamingTheMethod()
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File("run"), "{ kind: hard-sharing }", epochs: 2,
            train: 128, extra: "gradients: gradvac"), "run.yaml", folder.Path);
        using var stop = new CancellationTokenSource();
        new MultiTaskTrainer(job, new TrainerOptions { WriteReport = false, Threads = 1,
            Observer = new StopAfterSteps(2, stop) }).Run(stop.Token);
        var path = Path.Combine(folder.File("run"), MultiTaskTrainer.LastCheckpointName);
        var checkpoint = TrainingCheckpoint.Load(path);
        checkpoint.MethodState![checkpoint.MethodState.Length / 2] ^= 0x01;
        checkpoint.Save(path);

        var error = Assert.Throws<CheckpointMismatchException>(() => new MultiTaskTrainer(job,
            new TrainerOptions { WriteReport = false, Threads = 1, Resume = true }).Run());

        Assert.Contains("'gradvac'", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropout_MasksComeFromTheSeed_SameSeedRepeatsAndAnotherSeedDiffers()
    {
        using var folder = new TempFolder();
        JobSpec Job(string name, int seed) => JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File(name),
            "{ kind: hard-sharing }", trunk: DropoutTrunk, epochs: 1, train: 256).Replace("seed: 5",
            $"seed: {seed}", StringComparison.Ordinal), name + ".yaml", folder.Path);
        var options = new TrainerOptions { WriteReport = false, Threads = 1 };

        var a = new MultiTaskTrainer(Job("a", 5), options).Run().History[0];
        var b = new MultiTaskTrainer(Job("b", 5), options).Run().History[0];
        var c = new MultiTaskTrainer(Job("c", 6), options).Run().History[0];

        Assert.Equal(a.TrainLoss["shape"], b.TrainLoss["shape"]);
        Assert.Equal(a.ValidationLoss["position"], b.ValidationLoss["position"]);
        Assert.NotEqual(a.TrainLoss["shape"], c.TrainLoss["shape"]);
    }
}
