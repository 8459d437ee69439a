using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Tests.Support;

namespace MtlOnnx.Training.Tests.Architectures;

public sealed class ModelFactoryTests
{
    private static readonly ModelBuildOptions PositionStats = new()
    {
        TargetStatistics = new Dictionary<string, TargetStatistics>
        {
            ["position"] = new([0.5, 0.5], [0.2, 0.2]),
        },
    };

    public static TheoryData<string, string> Trunks => new()
    {
        { "mlp", "trunk: { kind: mlp, hidden: [32, 16] }" },
        { "lenet", "trunk: { kind: lenet, features: 24 }" },
        { "resnet", "trunk: { kind: resnet, channels: [8, 16] }" },
        { "vit", "trunk: { kind: vit, patch_size: 8, dim: 16, depth: 1, heads: 2, dropout: 0.1 }" },
    };

    public static TheoryData<string, string> Architectures => new()
    {
        { "hard-sharing", "architecture: { kind: hard-sharing }" },
        { "mmoe", "architecture: { kind: mmoe, experts: 3, expert_hidden: [16] }" },
        { "task-routed", "architecture: { kind: task-routed, experts: 3, expert_hidden: [16] }" },
        { "lora", "architecture: { kind: lora, rank: 2 }" },
        { "wta", "architecture: { kind: wta, units: 32, group_size: 4 }" },
    };

    [Theory]
    [MemberData(nameof(Trunks))]
    public void ImageTrunk_ForwardInOnnxRuntime_GivesFiniteLossesAndShapedOutputs(string name, string trunk)
    {
        var job = TestJobs.Parse($"name: {name}\n{trunk}\n{TestJobs.ShapesTasks}");
        var model = ModelFactory.Build(job, PositionStats);

        var outputs = ForwardRunner.Run(model, batch: 5, seed: 3);

        Assert.Equal(5 * 3, outputs["out_shape"].Length);
        Assert.Equal(5 * 2, outputs["out_position"].Length);
        Assert.Equal(5 * 2, outputs["pred_position"].Length);
        Assert.True(float.IsFinite(outputs["loss_shape"][0]) && outputs["loss_shape"][0] > 0);
        Assert.True(float.IsFinite(outputs["loss_position"][0]) && outputs["loss_position"][0] > 0);
        Assert.All(model.Parameters, p => Assert.StartsWith(p.IsShared ? "trunk." : "heads.", p.Name, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Architecture_ForwardInOnnxRuntime_GivesTaskAndRegularizerOutputs(string name, string architecture)
    {
        var job = TestJobs.Parse($"name: {name}\ntrunk: {{ kind: lenet, features: 24 }}\n{architecture}\n{TestJobs.ShapesTasks}");
        var model = ModelFactory.Build(job, PositionStats);

        var outputs = ForwardRunner.Run(model, batch: 4, seed: 5);

        Assert.Equal(4 * 3, outputs["out_shape"].Length);
        Assert.All(model.LossNames, loss => Assert.True(float.IsFinite(outputs[loss][0]), loss));
        var expectedRegularizers = name switch
        {
            "task-routed" => new[] { "reg_routing" },
            "lora" => ["reg_orthogonality"],
            _ => [],
        };
        Assert.Equal(expectedRegularizers, model.Regularizers.Select(r => r.OutputName).ToArray());
        Assert.Contains(model.Parameters, p => p.Owner == "shape");
        Assert.Contains(model.Parameters, p => p.Owner == "position");
    }

    [Fact]
    public void TaskRouting_Loss_IsMeanGateOverlapBetweenTasks()
    {
        var job = TestJobs.Parse(
            $"trunk: {{ kind: mlp, hidden: [8] }}\narchitecture: {{ kind: task-routed, experts: 2 }}\n{TestJobs.ShapesTasks}");
        var model = ModelFactory.Build(job, PositionStats);

        var outputs = ForwardRunner.Run(model, batch: 3, seed: 1);

        // Two softmax gates over two experts overlap by Σ p·q, which lies in (0, 1).
        Assert.InRange(outputs["reg_routing"][0], 1e-6f, 1f);
    }

    [Fact]
    public void LowRankAdapters_OrthogonalityLoss_EqualsSquaredFrobeniusNormOfCrossProduct()
    {
        var job = TestJobs.Parse($"trunk: {{ kind: mlp, hidden: [6] }}\narchitecture: {{ kind: lora, rank: 2 }}\n{TestJobs.ShapesTasks}");
        var model = ModelFactory.Build(job, PositionStats);
        var a = Initializer(model, "adapters.shape.down");
        var b = Initializer(model, "adapters.position.down");
        double expected = 0;
        for (var i = 0; i < 2; i++)
        {
            for (var j = 0; j < 2; j++)
            {
                double dot = 0;
                for (var k = 0; k < 6; k++)
                {
                    dot += a[(i * 6) + k] * b[(j * 6) + k];
                }

                expected += dot * dot;
            }
        }

        var outputs = ForwardRunner.Run(model, batch: 2, seed: 2);

        Assert.Equal(expected, outputs["reg_orthogonality"][0], 1e-5);
    }

    [Fact]
    public void TextEncoder_ForwardInOnnxRuntime_GivesFiniteLosses()
    {
        var job = TestJobs.Parse("""
            input: { kind: text, max_length: 12 }
            trunk: { kind: text-encoder, dim: 16, depth: 2, heads: 2 }
            data: { source: csv, path: train.csv, text_column: text }
            tasks:
              - { name: topic, kind: multiclass, labels: [a, b, c] }
              - { name: urgent, kind: binary }
              - { name: tags, kind: multilabel, labels: [x, y, z, w] }
            """);
        var model = ModelFactory.Build(job, new ModelBuildOptions { VocabularySize = 50 });

        var outputs = ForwardRunner.Run(model, batch: 3, seed: 4, vocabulary: 50);

        Assert.Equal(3 * 4, outputs["out_tags"].Length);
        Assert.Equal(3, outputs["out_urgent"].Length);
        Assert.All(model.LossNames, loss => Assert.True(float.IsFinite(outputs[loss][0]) && outputs[loss][0] > 0, loss));
    }

    [Fact]
    public void FrozenPattern_MatchingNothing_IsRejectedWithParameterNames()
    {
        var job = TestJobs.Parse($"trunk: {{ kind: lenet, frozen: ['trunk.conv9.*'] }}\n{TestJobs.ShapesTasks}");

        var error = Assert.Throws<JobFileException>(() => ModelFactory.Build(job, PositionStats));

        Assert.Contains("trunk.conv9.*", error.Message, StringComparison.Ordinal);
        Assert.Contains("trunk.conv1.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FrozenPattern_RemovesMatchesFromTrainableAndShared()
    {
        var job = TestJobs.Parse($"trunk: {{ kind: lenet, frozen: ['trunk.conv1.*'] }}\n{TestJobs.ShapesTasks}");

        var model = ModelFactory.Build(job, PositionStats);

        Assert.Equal(["trunk.conv1.bias", "trunk.conv1.weight"], model.Frozen.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("trunk.conv1.weight", model.TrainableNames);
        Assert.Contains("trunk.conv2.weight", model.SharedTrainableNames);
        Assert.DoesNotContain(model.SharedTrainableNames, n => n.StartsWith("heads.", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SameSeed_GivesIdenticalInitializers_OtherSeedDiffers()
    {
        var yaml = $"trunk: {{ kind: lenet }}\n{TestJobs.ShapesTasks}";
        var a = ModelFactory.Build(TestJobs.Parse("seed: 1\n" + yaml), PositionStats);
        var b = ModelFactory.Build(TestJobs.Parse("seed: 1\n" + yaml), PositionStats);
        var c = ModelFactory.Build(TestJobs.Parse("seed: 2\n" + yaml), PositionStats);

        Assert.Equal(Initializer(a, "trunk.conv1.weight"), Initializer(b, "trunk.conv1.weight"));
        Assert.NotEqual(Initializer(a, "trunk.conv1.weight"), Initializer(c, "trunk.conv1.weight"));
    }

    [Fact]
    public void Linear_Initialisation_IsUniformWithinPyTorchFanInBound()
    {
        var model = ModelFactory.Build(TestJobs.Parse($"trunk: {{ kind: lenet }}\n{TestJobs.ShapesTasks}"), PositionStats);

        var weight = Initializer(model, "trunk.fc.weight");
        var bound = 1 / Math.Sqrt(320);

        Assert.All(weight, w => Assert.InRange(Math.Abs(w), 0, bound));
        Assert.InRange(weight.Max(), bound * 0.9, bound);
        Assert.InRange(weight.Average(), -bound * 0.05, bound * 0.05);
    }

    private static float[] Initializer(MultiTaskModel model, string name) =>
        MtlOnnx.Onnx.TensorProtos.ToArray<float>(model.Forward.Graph.Initializer.Single(i => i.Name == name));
}
