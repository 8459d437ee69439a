using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer;
using MtlOnnx.Training.Trainer.Internal;

namespace MtlOnnx.Training.Tests.Trainer;

/// <summary>
/// A CPU step may split its batch among shards that run the training graph at once; the step must stay the whole
/// batch's step.
/// </summary>
public sealed class ShardedStepTests
{
    private const string Lenet = "{ kind: lenet, channels: [8, 16], kernels: [5, 3], features: 32 }";
    private const string WeightedShape =
        "- { name: shape, kind: multiclass, label_smoothing: 0.1, class_weights: [1.0, 2.5, 0.4] }";

    [Theory]
    [InlineData("{ kind: hard-sharing }", Lenet, "", "ew")]
    [InlineData("{ kind: hard-sharing }", "{ kind: lenet, channels: [8, 16], kernels: [9, 5], features: 32 }", "",
        "ew")]
    [InlineData("{ kind: hard-sharing }", "{ kind: lenet, channels: [8, 16], kernels: [5, 3], features: 32, dropout: 0.3 }",
        WeightedShape, "ew")]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", Lenet, WeightedShape, "uw")]
    [InlineData("{ kind: wta, units: 32, group_size: 2 }", "{ kind: mlp, hidden: [64], dropout: 0.2 }", "", "dwa")]
    [InlineData("{ kind: hard-sharing }", "{ kind: vit, patch_size: 8, dim: 32, depth: 1, heads: 2 }", "", "ew")]
    [InlineData("{ kind: hard-sharing }", "{ kind: lenet, channels: [8, 16], kernels: [9, 5], features: 32 }",
        WeightedShape, "mgdaub")]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", "{ kind: mlp, hidden: [64], dropout: 0.2 }", "",
        "mgdaub")]
    [InlineData("{ kind: hard-sharing }", Lenet, WeightedShape, "pcgrad")]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", Lenet, "", "cagrad")]
    [InlineData("{ kind: hard-sharing }", "{ kind: mlp, hidden: [64], dropout: 0.2 }", WeightedShape, "upgrad")]
    public void ShardedStep_IsTheWholeBatchStep(string architecture, string trunk, string shapeTask, string method)
    {
        // 50 rows split 17 + 17 + 16. Labels are missing in places, and every shape label of the first shard, so a
        // shard can hold none of a task's labels; class weights make the shares differ from the row counts.
        using var folder = new TempFolder();
        var (model, job, batch) = Setup(folder.Path, architecture, trunk, shapeTask, rows: 50);
        for (var row = 0; row < batch.Count; row++)
        {
            if (row < 17 || row % 7 == 3)
            {
                batch.Tasks[0].SetMissing(row);
            }

            if (row % 5 == 1)
            {
                batch.Tasks[1].SetMissing(row);
            }
        }

        using var device = TrainingDevice.Resolve(job.Device);

        var (expected, expectedLosses, wholeShards) = Step(model, job, method, device, batch, threads: 1, shards: 1);
        var (actual, losses, shards) = Step(model, job, method, device, batch, threads: 3, shards: 3);

        Assert.Equal((1, 3), (wholeShards, shards));
        for (var i = 0; i < losses.Length; i++)
        {
            Assert.True(Math.Abs(losses[i] - expectedLosses[i]) <= 1e-5 * Math.Max(1, Math.Abs(expectedLosses[i])),
                $"loss {i}: {losses[i]} in shards, {expectedLosses[i]} whole.");
        }

        var changed = 0;
        foreach (var (name, step) in expected)
        {
            var scale = Math.Max(1e-4, step.Max(Math.Abs));
            for (var i = 0; i < step.Length; i++)
            {
                Assert.True(Math.Abs(step[i] - actual[name][i]) <= 2e-5 * scale,
                    $"{name}[{i}]: the sharded step moved it by {actual[name][i]}, the whole batch's by {step[i]}.");
            }

            changed += step.Any(v => v != 0) ? 1 : 0;
        }

        Assert.True(changed > expected.Count / 2, $"only {changed} of {expected.Count} parameters moved.");
    }

    [Theory]
    [InlineData("ew")]
    [InlineData("mgdaub")]
    [InlineData("pcgrad")]
    public void ShardedStep_OfTextWithFourTaskKinds_IsTheWholeBatchStep(string method)
    {
        // Token ids and attention masks are sliced by rows like images; multiclass with smoothing, binary, multilabel
        // and Huber regression, with missing labels, through a text encoder with dropout.
        using var folder = new TempFolder();
        var job = TrainerTrunkTests.TicketsJob(folder, epochs: 1, "optimizer:\n  kind: sgd\n  learning_rate: 1");
        var splits = DatasetFactory.Create(job);
        var model = ModelFactory.Build(job, splits.BuildOptions());
        var batch = new BatchLoader(splits.Train, new BatchLoaderOptions { BatchSize = 50, Seed = 1, Prefetch = 0 })
            .Epoch(0).First();
        using var device = TrainingDevice.Resolve(job.Device);

        var (expected, expectedLosses, _) = Step(model, job, method, device, batch, threads: 1, shards: 1);
        var (actual, losses, shards) = Step(model, job, method, device, batch, threads: 3, shards: 3);

        Assert.Equal(3, shards);
        Assert.Equal(4, losses.Length);
        for (var i = 0; i < losses.Length; i++)
        {
            Assert.True(Math.Abs(losses[i] - expectedLosses[i]) <= 1e-5 * Math.Max(1, Math.Abs(expectedLosses[i])),
                $"loss {i}: {losses[i]} in shards, {expectedLosses[i]} whole.");
        }

        // MGDA-UB's min-norm weights come from Gram entries that sum rows in another order in shards; the rounding
        // reaches the embedding table's small steps at about 1e-4 of its largest.
        var tolerance = method == "mgdaub" ? 2e-4 : 2e-5;
        foreach (var (name, step) in expected)
        {
            var scale = Math.Max(1e-4, step.Max(Math.Abs));
            for (var i = 0; i < step.Length; i++)
            {
                Assert.True(Math.Abs(step[i] - actual[name][i]) <= tolerance * scale,
                    $"{name}[{i}]: the sharded step moved it by {actual[name][i]}, the whole batch's by {step[i]}.");
            }
        }
    }

    [Theory]
    [InlineData("ew")]
    [InlineData("mgdaub")]
    [InlineData("pcgrad")]
    public void ShardedStep_OfASmallLastBatch_RunsInFewerShardsAndMatchesAFreshEngine(string method)
    {
        // 40 rows run as two shards of 20 (16 rows per shard at least), after steps of 50 rows in three: the shards'
        // rows of the representation gradients, of the update and of the carried activations are bound again.
        using var folder = new TempFolder();
        var (model, job, small) = Setup(folder.Path, "{ kind: hard-sharing }", Lenet, "", rows: 40);
        var (_, _, large) = Setup(folder.Path, "{ kind: hard-sharing }", Lenet, "", rows: 50);
        using var device = TrainingDevice.Resolve(job.Device);
        using var fresh = new StepEngine(model, MultitaskMethods.Create(method, 2), job.Optimizer, device, 1, 3, 1);
        using var warmed = new StepEngine(model, MultitaskMethods.Create(method, 2), job.Optimizer, device, 3, 3, 3);

        warmed.TrainStep(large, learningRate: 0f);
        warmed.TrainStep(large, learningRate: 0f);
        fresh.TrainStep(large, learningRate: 0f);
        fresh.TrainStep(large, learningRate: 0f);
        var before = warmed.Snapshot();
        var losses = warmed.TrainStep(small, learningRate: 1f);
        var expectedLosses = fresh.TrainStep(small, learningRate: 1f);

        Assert.Equal(expectedLosses.Length, losses.Length);
        for (var i = 0; i < losses.Length; i++)
        {
            Assert.True(Math.Abs(losses[i] - expectedLosses[i]) <= 1e-5 * Math.Max(1, Math.Abs(expectedLosses[i])),
                $"loss {i}: {losses[i]} against {expectedLosses[i]}.");
        }

        var expected = fresh.Snapshot();
        foreach (var (name, values) in warmed.Snapshot())
        {
            var scale = Math.Max(1e-4, expected[name].Zip(before[name], (a, b) => Math.Abs(a - b)).Max());
            for (var i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(values[i] - expected[name][i]) <= 2e-5 * scale, $"{name}[{i}]");
            }
        }
    }

    [Theory]
    [InlineData("{ kind: hard-sharing }", "{ kind: resnet, channels: [8, 16] }", "ew", 3)]
    [InlineData("{ kind: task-routed, experts: 2, expert_hidden: [16] }", Lenet, "ew", 3)]
    [InlineData("{ kind: lora, rank: 4 }", Lenet, "ew", 3)]
    [InlineData("{ kind: hard-sharing }", Lenet, "ew", 1)]
    public void StepsThatCoupleRows_RunWhole(string architecture, string trunk,
        string method, int shards)
    {
        // Batch normalisation's statistics and the regularizers' losses are not means over rows.
        using var folder = new TempFolder();
        var (model, job, _) = Setup(folder.Path, architecture, trunk, "", rows: 50);
        using var device = TrainingDevice.Resolve(job.Device);

        using var engine = new StepEngine(model, MultitaskMethods.Create(method, 2), job.Optimizer, device,
            threads: 3, seed: 3, shards: shards);

        Assert.Equal(1, engine.Shards);
    }

    [Theory]
    [InlineData(3, 0, 0, 3)]
    [InlineData(3, 0, 64, 2)]
    [InlineData(3, 0, 40, 1)]
    [InlineData(1, 0, 256, 1)]
    [InlineData(1, 4, 64, 4)]
    public void ShardCount_IsOnePerThread_WithAtLeast32RowsEach_UnlessGiven(int threads, int shards, int batchRows,
        int expected)
    {
        using var folder = new TempFolder();
        var (model, job, _) = Setup(folder.Path, "{ kind: hard-sharing }", Lenet, "", rows: 50);
        using var device = TrainingDevice.Resolve(job.Device);

        using var engine = new StepEngine(model, MultitaskMethods.Create("ew", 2), job.Optimizer, device, threads,
            seed: 3, shards, batchRows);

        Assert.Equal(expected, engine.Shards);
    }

    [Fact]
    public void ShardedTraining_IsDeterministic_AndLearns()
    {
        // Each shard's sum is added in a fixed order, so two runs of a job with the same shards give the same history.
        using var first = new TempFolder();
        using var second = new TempFolder();
        TrainingResult Train(string folder) => new MultiTaskTrainer(
            JobFile.Parse(TrainerShapesTests.ShapesJob(folder, "{ kind: hard-sharing }", train: 512), "job.yaml",
                folder),
            new TrainerOptions { WriteReport = false, Threads = 2, BatchShards = 2 }).Run();

        var a = Train(first.Path);
        var b = Train(second.Path);

        Assert.Equal(a.History.Select(e => e.TrainLoss["shape"]), b.History.Select(e => e.TrainLoss["shape"]));
        Assert.Equal(a.History.Select(e => e.ValidationLoss["position"]),
            b.History.Select(e => e.ValidationLoss["position"]));
        Assert.True(a.History[^1].TrainLoss["position"] < a.History[0].TrainLoss["position"]);
    }

    [Theory]
    [InlineData("weighting: dwa", 17)]
    [InlineData("gradients: pcgrad", 20)]
    [InlineData("gradients: mgdaub", 23)]
    public void ShardedTraining_InterruptedAndResumed_MatchesARunThatWentThrough(string method, int stopAfter)
    {
        // Batches of 64 rows run in two shards; the resumed run rebuilds the shards and continues bit for bit.
        using var folder = new TempFolder();
        JobSpec Job(string name) => JobFile.Parse(TrainerShapesTests.ShapesJob(folder.File(name),
                "{ kind: hard-sharing }", "{ kind: lenet, channels: [8, 16], kernels: [5, 3], features: 32, dropout: 0.3 }",
                epochs: 2, train: 768, extra: method)
            .Replace("batch_size: 32", "batch_size: 64", StringComparison.Ordinal), name + ".yaml", folder.Path);
        TrainerOptions Options(ITrainingObserver? observer = null, bool resume = false) => new()
        {
            WriteReport = false, Threads = 2, BatchShards = 2, Observer = observer, Resume = resume,
        };

        var straight = new MultiTaskTrainer(Job("a"), Options()).Run();
        using var stop = new CancellationTokenSource();
        var first = new MultiTaskTrainer(Job("b"), Options(new StopAfterSteps(stopAfter, stop))).Run(stop.Token);
        var resumed = new MultiTaskTrainer(Job("b"), Options(resume: true)).Run();

        Assert.True(first.Interrupted);
        Assert.Equal(2, resumed.History.Count);
        for (var e = 0; e < 2; e++)
        {
            foreach (var task in new[] { "shape", "position" })
            {
                Assert.Equal(straight.History[e].TrainLoss[task], resumed.History[e].TrainLoss[task], 6);
                Assert.Equal(straight.History[e].ValidationLoss[task], resumed.History[e].ValidationLoss[task], 6);
            }
        }
    }

    private static (MultiTaskModel Model, JobSpec Job, Batch Batch) Setup(string folder, string architecture,
        string trunk, string shapeTask, int rows)
    {
        var text = TrainerShapesTests.ShapesJob(folder, architecture, trunk, train: 128)
            .Replace("kind: adam, learning_rate: 0.003", "kind: sgd, learning_rate: 1", StringComparison.Ordinal);
        if (shapeTask.Length > 0)
        {
            text = text.Replace("- { name: shape, kind: multiclass }", shapeTask, StringComparison.Ordinal);
        }

        var job = JobFile.Parse(text, "job.yaml", folder);
        var splits = DatasetFactory.Create(job);
        var model = ModelFactory.Build(job, splits.BuildOptions());
        var loader = new BatchLoader(splits.Train, new BatchLoaderOptions { BatchSize = rows, Seed = 1, Prefetch = 0 });
        return (model, job, loader.Epoch(0).First());
    }

    private static (Dictionary<string, float[]> Step, float[] Losses, int Shards) Step(MultiTaskModel model,
        JobSpec job, string method, TrainingDevice device, Batch batch, int threads, int shards)
    {
        using var engine = new StepEngine(model, MultitaskMethods.Create(method, job.Tasks.Count), job.Optimizer,
            device, threads, seed: 3, shards);
        var before = engine.Snapshot();
        var losses = engine.TrainStep(batch, learningRate: 1f);
        var after = engine.Snapshot();
        var step = before.ToDictionary(p => p.Key, p => p.Value.Zip(after[p.Key], (b, a) => a - b).ToArray());
        return (step, losses, engine.Shards);
    }
}
