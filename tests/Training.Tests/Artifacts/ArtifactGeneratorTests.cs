using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Optimizers;
using MtlOnnx.Training.Tests.Session;

namespace MtlOnnx.Training.Tests.Artifacts;

public sealed class ArtifactGeneratorTests : IDisposable
{
    private readonly TempFolder _directory = new();
    private readonly float[] _initial = new TinyMlp(5).Initial;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Generate_ParametersAreInputsNeverInitializers_InEveryGraph()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("a"), OptimizerSpec.AdamW(), _initial);
        string[] parameters = ["w1", "b1", "w2", "b2"];

        foreach (var path in new[] { artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath })
        {
            var graph = OnnxModelIO.Load(path).Graph;
            Assert.All(parameters, p => Assert.Contains(graph.Input, i => i.Name == p));
            Assert.DoesNotContain(graph.Initializer, i => parameters.Contains(i.Name));
            Assert.All(graph.Node, n => Assert.True(n.Domain is "" or "ai.onnx", $"{path}: {n.Name} is in {n.Domain}."));
        }
    }

    [Fact]
    public void Generate_TrainingGraph_FollowsOrtAccumulationNames()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("a"), OptimizerSpec.Sgd(0.1f), _initial);
        var graph = OnnxModelIO.Load(artifacts.TrainingModelPath).Graph;

        var inputs = graph.Input.Select(i => i.Name).ToArray();
        var outputs = graph.Output.Select(o => o.Name).ToArray();
        Assert.Contains("lazy_reset_grad", inputs);
        Assert.Contains("w1_grad.accumulation.buffer", inputs);
        Assert.Contains("b2_grad.accumulation.out", outputs);
        Assert.Contains("pred_loss", outputs);
        Assert.DoesNotContain("w1_grad", outputs);
        Assert.Equal(ElementType.Bool, ValueInfos.GetElementType(graph.Input.Single(i => i.Name == "lazy_reset_grad")));
    }

    [Fact]
    public void Generate_Checkpoint_HoldsTheForwardInitializers()
    {
        var artifacts = MlpArtifacts.Generate(_directory.File("a"), OptimizerSpec.Adam(), _initial);

        var checkpoint = TrainingCheckpoint.Load(artifacts.CheckpointPath);

        Assert.Equal(["w1", "b1", "w2", "b2"], checkpoint.Tensors.Select(t => t.Name));
        Assert.Equal(_initial, checkpoint.Tensors.SelectMany(t => t.Data));
        Assert.Equal(0, checkpoint.Step);
        Assert.Equal(OptimizerKind.Adam, checkpoint.Optimizer!.Kind);
        var loaded = TrainingArtifacts.Load(artifacts.Directory);
        Assert.Equal(["pred_loss"], loaded.Losses);
        Assert.Equal([6L, 4L], loaded.Trainable[0].Shape);
    }

    [Fact]
    public void Generate_EveryGraph_PassesTheOnnxChecker()
    {
        var spec = OptimizerSpec.AdamW() with { MaxGradientNorm = 1f };
        var artifacts = MlpArtifacts.Generate(_directory.File("a"), spec, _initial);
        const string Script = """
            import sys
            import onnx
            for path in sys.argv[1:]:
                model = onnx.load(path)
                onnx.checker.check_model(model, full_check=True)
                domains = sorted({n.domain for n in model.graph.node})
                print(path.rsplit("/", 1)[-1], model.opset_import[0].version, domains)
            """;

        var output = PythonTool.RunScriptIn(
            Script, _directory.Path, artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath);

        Assert.Contains("training_model.onnx 17 ['']", output, StringComparison.Ordinal);
        Assert.Contains("eval_model.onnx 17 ['']", output, StringComparison.Ordinal);
        Assert.Contains("optimizer_model.onnx 17 ['']", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_TrainableAlsoFrozen_Throws()
    {
        var spec = new ArtifactSpec
        {
            Forward = MlpArtifacts.Forward(_initial),
            Trainable = ["w1", "b1"],
            Frozen = ["b1"],
            Losses = [LossSpec.MeanSquaredError("pred", "y")],
            Optimizer = OptimizerSpec.Adam(),
        };

        var error = Assert.Throws<ArgumentException>(() => ArtifactGenerator.Generate(spec, _directory.File("a")));

        Assert.Contains("'b1' is listed as both trainable and frozen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_UnknownParameter_NamesIt()
    {
        var spec = new ArtifactSpec
        {
            Forward = MlpArtifacts.Forward(_initial),
            Trainable = ["w1", "conv.weight"],
            Losses = [LossSpec.MeanSquaredError("pred", "y")],
            Optimizer = OptimizerSpec.Adam(),
        };

        var error = Assert.Throws<ArgumentException>(() => ArtifactGenerator.Generate(spec, _directory.File("a")));

        Assert.Contains("'conv.weight' is not an initializer of graph 'mlp'", error.Message, StringComparison.Ordinal);
    }
}
