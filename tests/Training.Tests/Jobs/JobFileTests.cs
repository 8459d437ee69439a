using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Tests.Jobs;

public sealed class JobFileTests
{
    [Theory]
    [InlineData("shapes-quickstart.yaml", TrunkKind.LeNet, 2)]
    [InlineData("multi-fashion-lenet.yaml", TrunkKind.LeNet, 2)]
    [InlineData("text-tickets.yaml", TrunkKind.TextEncoder, 4)]
    public void Load_Presets_ParseWithTheirTasks(string file, TrunkKind trunk, int tasks)
    {
        var job = JobFile.Load(RepositoryPaths.File("models", file));

        Assert.Equal(trunk, job.Trunk.Kind);
        Assert.Equal(tasks, job.Tasks.Count);
        Assert.Equal("ew", job.Weighting.Name);
    }

    [Fact]
    public void Parse_MultiFashion_FillsFashionLabels()
    {
        var job = JobFile.Load(RepositoryPaths.File("models", "multi-fashion-lenet.yaml"));

        Assert.Equal(JobFile.FashionLabels, job.Task("left").Labels);
        Assert.Equal(OptimizerKind.Adam, job.Optimizer.Kind);
        Assert.Equal(256, job.Data.BatchSize);
    }

    [Theory]
    [InlineData("epochs: 3\noptimiser: { kind: adam }", 2,
        "key 'optimiser' is not allowed at the top level. Allowed keys: architecture, data,")]
    [InlineData("epochs: ten", 1, "'epochs' must be an integer from 1 to 1000000, but is 'ten'.")]
    [InlineData("epochs: 0", 1, "'epochs' must be an integer from 1 to 1000000, but is 0.")]
    [InlineData("seed: 1\ntrunk:\n  kind: lenet\n  hidden: [3]", 4,
        "key 'hidden' is not allowed in 'trunk'. Allowed keys: channels, dropout, features, frozen, kernels, kind.")]
    [InlineData("trunk: { kind: transformer }", 1,
        "'trunk.kind' must be one of mlp, lenet, resnet, vit, text-encoder, onnx, but is 'transformer'.")]
    [InlineData("optimizer:\n  kind: adam\n  learning_rate: fast", 3,
        "'optimizer.learning_rate' must be a number from 1E-12 to 100, but is 'fast'.")]
    [InlineData("optimizer:\n  kind: sgd\n  beta1: 0.9", 3, "key 'beta1' is not allowed in 'optimizer'.")]
    [InlineData("data:\n  batch_size: [1, 2]", 2, "'data.batch_size' must be an integer, but is a list.")]
    [InlineData("input: { kind: image, channels: 2 }", 1, "'input.channels' must be 1 (grey) or 3 (RGB), but is 2.")]
    [InlineData("epochs: 3\n- x", 2, "the YAML is malformed")]
    public void Parse_BadValue_NamesLineKeyAndWhatIsAllowed(string extra, int line, string expected)
    {
        var yaml = extra + "\n" + ShapesTasks;

        var error = Assert.Throws<JobFileException>(() => JobFile.Parse(yaml, "bad.yaml"));

        Assert.StartsWith($"Job file 'bad.yaml', line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(line, error.Line);
    }

    [Theory]
    [InlineData("  - { name: shape, kind: multiclass, loss: mse }",
        "'tasks[0].loss' of a multiclass task must be one of cross-entropy, but is 'mse'.")]
    [InlineData("  - { name: shape, kind: multiclass, class_weights: [1, 2] }",
        "'tasks[0].class_weights' must hold one weight per label (3), but holds 2.")]
    [InlineData("  - { name: shape, kind: multiclass, colour: red }", "key 'colour' is not allowed in 'tasks[0]'.")]
    [InlineData("  - { name: size, kind: regression, columns: [width] }",
        "'width' is not a factor of the shapes source; regression factors are scale, rotation, x, y.")]
    [InlineData("  - { name: 'bad name', kind: binary }", "task name 'bad name' must use only letters, digits, '_' and '-'.")]
    [InlineData("  - { name: shape, kind: multiclass, metrics: [rmse] }",
        "metric 'rmse' does not apply to a multiclass task; allowed: accuracy, macro-f1.")]
    public void Parse_BadTask_NamesTaskKey(string task, string expected)
    {
        var yaml = "tasks:\n" + task;

        var error = Assert.Throws<JobFileException>(() => JobFile.Parse(yaml, "bad.yaml"));

        Assert.Contains("line 2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedBracket_IsReportedAsMalformed()
    {
        var error = Assert.Throws<JobFileException>(() => JobFile.Parse("epochs: [1\n" + ShapesTasks, "bad.yaml"));

        Assert.StartsWith("Job file 'bad.yaml': the YAML is malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateTaskNames_AreRejected()
    {
        var error = Assert.Throws<JobFileException>(() =>
            JobFile.Parse("tasks:\n  - { name: x, kind: regression }\n  - { name: x, kind: regression }", "dup.yaml"));

        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("task name 'x' is used twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TrunkThatNeedsText_WithImageInput_IsRejected()
    {
        var error = Assert.Throws<JobFileException>(() =>
            JobFile.Parse("trunk: { kind: text-encoder }\n" + ShapesTasks, "t.yaml"));

        Assert.Contains("trunk 'text-encoder' needs a text input, but 'input.kind' is image.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MethodsAsNameOrMapping_KeepOptions()
    {
        var job = JobFile.Parse("""
            weighting: { method: UW, options: { init: -0.5 } }
            gradients: { method: pcgrad, mode: representation }
            """ + "\n" + ShapesTasks);

        Assert.Equal("uw", job.Weighting.Name);
        Assert.Equal("-0.5", job.Weighting.Options["init"]);
        Assert.Equal("pcgrad", job.Gradients!.Name);
        Assert.Equal(GradientMode.Representation, job.Gradients.Mode);
    }

    [Fact]
    public void Parse_EarlyStoppingOnUnknownMetric_ListsChoices()
    {
        var error = Assert.Throws<JobFileException>(() =>
            JobFile.Parse("early_stopping: { metric: shape.auroc }\n" + ShapesTasks, "e.yaml"));

        Assert.Contains("allowed: loss, shape.accuracy, shape.macro-f1, position.mae", error.Message, StringComparison.Ordinal);
    }

    private const string ShapesTasks = """
        tasks:
          - { name: shape, kind: multiclass }
          - { name: position, kind: regression, columns: [x, y] }
        """;
}
