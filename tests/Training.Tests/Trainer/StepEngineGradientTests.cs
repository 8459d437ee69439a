using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Multitask.Aggregation;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer.Internal;

namespace MtlOnnx.Training.Tests.Trainer;

public sealed class StepEngineGradientTests
{
    // Multi-Fashion's first layer: the autodiff rewrites a 9×9 convolution before a 2×2 pooling into its polyphase
    // form, with operators (SpaceToDepth) whose types the graph cut must still infer.
    private const string NineByNine = "trunk: { kind: lenet, channels: [8, 16], kernels: [9, 5], features: 32 }";

    [Theory]
    [InlineData("{ kind: hard-sharing }", GradientSource.Representation)]
    [InlineData("{ kind: hard-sharing }", GradientSource.SharedParameters)]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", GradientSource.Representation)]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", GradientSource.SharedParameters)]
    [InlineData("{ kind: lora, rank: 4 }", GradientSource.Representation)]
    [InlineData("{ kind: lora, rank: 4 }", GradientSource.SharedParameters)]
    [InlineData(NineByNine, GradientSource.Representation)]
    [InlineData(NineByNine, GradientSource.SharedParameters)]
    public void SumOfTaskGradients_FromEitherSource_IsTheGradientOfTheLossSum(string architecture,
        GradientSource source)
    {
        // The sum of the per-task gradients, aggregated at the representation (one forward pass, the trunk's backward
        // pass run from the first graph's activations) or over the shared parameters (one backward pass per task),
        // must be the gradient of Σ L_t that equal weighting back-propagates once; SGD with rate 1 makes the step
        // that gradient.
        using var folder = new TempFolder();
        var trunk = architecture.StartsWith("trunk:", StringComparison.Ordinal) ? architecture["trunk:".Length..] : null;
        var text = trunk is null
            ? TrainerShapesTests.ShapesJob(folder.Path, architecture, train: 64)
            : TrainerShapesTests.ShapesJob(folder.Path, "{ kind: hard-sharing }", trunk: trunk.Trim(), train: 64);
        var job = JobFile.Parse(text.Replace("kind: adam, learning_rate: 0.003", "kind: sgd, learning_rate: 1",
            StringComparison.Ordinal), "job.yaml", folder.Path);
        var splits = DatasetFactory.Create(job);
        var model = ModelFactory.Build(job, splits.BuildOptions());
        var loader = new BatchLoader(splits.Train, new BatchLoaderOptions { BatchSize = 32, Seed = 1, Prefetch = 0 });
        using var batches = loader.Epoch(0).GetEnumerator();
        Assert.True(batches.MoveNext());
        var batch = batches.Current;
        using var device = TrainingDevice.Resolve(job.Device);
        var taskCount = job.Tasks.Count;

        var (reference, referenceLosses) = Step(model, job, MultitaskMethods.Create("ew", taskCount), device, batch);
        var (actual, losses) = Step(model, job,
            new AggregationMethod(new ConstantAggregator("sum", taskCount, mean: false), source), device, batch);

        Assert.Equal(referenceLosses, losses);
        foreach (var (name, expected) in reference)
        {
            var scale = Math.Max(1e-3, expected.Max(Math.Abs));
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[name][i]) <= 2e-4 * scale,
                    $"{source}, {name}[{i}]: {actual[name][i]} where the loss sum's step gives {expected[i]}.");
            }
        }
    }

    [Fact]
    public void RepresentationStep_AfterABatchOfAnotherSize_IsTheStepOfAFreshEngine()
    {
        // The per-task rows, the update and the carried activations are bound again when the row count changes.
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.Path, "{ kind: hard-sharing }", train: 64)
            .Replace("kind: adam, learning_rate: 0.003", "kind: sgd, learning_rate: 1", StringComparison.Ordinal),
            "job.yaml", folder.Path);
        var splits = DatasetFactory.Create(job);
        var model = ModelFactory.Build(job, splits.BuildOptions());
        BatchLoader Loader() => new(splits.Train, new BatchLoaderOptions { BatchSize = 24, Seed = 1, Prefetch = 0 });
        using var device = TrainingDevice.Resolve(job.Device);
        IMultitaskMethod Method() => MultitaskMethods.Create("mgdaub", job.Tasks.Count);

        // Each batch from its own loader, so that no loader refills a batch that is still in use.
        var last = Loader().Epoch(0).Last();
        var first = Loader().Epoch(0).First();
        using var fresh = new StepEngine(model, Method(), job.Optimizer, device, threads: 1, seed: 3);
        var before = fresh.Snapshot();
        fresh.TrainStep(last, learningRate: 1f);
        var expected = fresh.Snapshot();
        using var warmed = new StepEngine(model, Method(), job.Optimizer, device, threads: 1, seed: 3);
        warmed.TrainStep(first, learningRate: 0f);
        warmed.TrainStep(last, learningRate: 1f);
        var actual = warmed.Snapshot();

        Assert.Equal((24, 16), (first.Count, last.Count));
        Assert.Contains(expected, p => !p.Value.SequenceEqual(before[p.Key]));
        foreach (var (name, values) in expected)
        {
            Assert.Equal(values, actual[name]);
        }
    }

    private static (Dictionary<string, float[]> Step, float[] Losses) Step(MultiTaskModel model, JobSpec job,
        IMultitaskMethod method, TrainingDevice device, Batch batch)
    {
        using var engine = new StepEngine(model, method, job.Optimizer, device, threads: 1, seed: 3);
        var before = engine.Snapshot();
        var losses = engine.TrainStep(batch, learningRate: 1f);
        var after = engine.Snapshot();
        return (before.ToDictionary(p => p.Key, p => p.Value.Zip(after[p.Key], (b, a) => a - b).ToArray()), losses);
    }
}
