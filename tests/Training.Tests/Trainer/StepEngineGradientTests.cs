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
    [Theory]
    [InlineData("{ kind: hard-sharing }", GradientSource.Representation)]
    [InlineData("{ kind: hard-sharing }", GradientSource.SharedParameters)]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", GradientSource.Representation)]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }", GradientSource.SharedParameters)]
    [InlineData("{ kind: lora, rank: 4 }", GradientSource.Representation)]
    [InlineData("{ kind: lora, rank: 4 }", GradientSource.SharedParameters)]
    public void SumOfTaskGradients_FromEitherSource_IsTheGradientOfTheLossSum(string architecture,
        GradientSource source)
    {
        // The sum of the per-task gradients, aggregated at the representation (one forward pass, the trunk's backward
        // pass run from the first graph's activations) or over the shared parameters (one backward pass per task),
        // must be the gradient of Σ L_t that equal weighting back-propagates once; SGD with rate 1 makes the step
        // that gradient.
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.Path, architecture, train: 64)
            .Replace("kind: adam, learning_rate: 0.003", "kind: sgd, learning_rate: 1", StringComparison.Ordinal),
            "job.yaml", folder.Path);
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
