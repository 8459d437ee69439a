using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Export.Tests;

public sealed class ArtifactExportTests
{
    [Fact]
    public void Export_FromGeneratedArtifacts_VerifiesAgainstTheirEvalGraph()
    {
        using var temp = new TempFolder();
        var model = TestModel.LeNet();

        // The forward graph as a model builder leaves it: parameters as initializers, losses as outputs.
        var forward = model.Eval.Clone();
        foreach (var (name, tensor) in model.Parameters)
        {
            forward.Graph.Input.Remove(forward.Graph.Input.Single(i => i.Name == name));
            forward.Graph.Initializer.Add(tensor.Clone());
        }

        var loss = forward.Graph.Output[^1].Name;
        var directory = temp.Combine("artifacts");
        ArtifactGenerator.Generate(
            new ArtifactSpec
            {
                Forward = forward,
                Trainable = model.Parameters.Keys.Order(StringComparer.Ordinal).ToList(),
                Losses = [LossSpec.Existing(loss)],
                Optimizer = OptimizerSpec.Sgd(0.1f),
            },
            directory);
        File.WriteAllText(Path.Combine(directory, CheckpointDirectory.ModelCardFileName), model.Card().ToJson());

        var result = ModelExporter.Export(new ExportOptions
        {
            Checkpoint = directory,
            Repository = temp.Combine("repo"),
            Name = "lenet",
            Explain = true,
        });

        Assert.InRange(result.VerifiedDifference!.Value, 0, 1e-4);
        Assert.Equal(4, result.Inference.Report.BatchNormsFolded);
        Assert.DoesNotContain(OnnxModelIO.Load(result.ModelPath).Graph.Node, n => n.OpType is "Dropout" or "BatchNormalization");
    }
}
