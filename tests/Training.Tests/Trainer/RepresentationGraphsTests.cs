using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Support;
using MtlOnnx.Training.Trainer.Internal;

namespace MtlOnnx.Training.Tests.Trainer;

public sealed class RepresentationGraphsTests
{
    [Theory]
    [InlineData("{ kind: hard-sharing }")]
    [InlineData("{ kind: mmoe, experts: 2, expert_hidden: [16] }")]
    public void Create_SecondGraphReadsNoModelInput_AndTheFirstNeverReadsTheUpdate(string architecture)
    {
        using var folder = new TempFolder();
        var job = JobFile.Parse(TrainerShapesTests.ShapesJob(folder.Path, architecture, train: 64), "job.yaml",
            folder.Path);
        var model = ModelFactory.Build(job, DatasetFactory.Create(job).BuildOptions());
        var (forward, _) = TrainingGraphs.ParametersAsInputs(model);
        var (training, _) = TrainingGraphs.WithDropoutMasks(forward);
        var layout = new ParameterLayout([.. model.TrainableNames
            .Select(n => new ParameterDescriptor(n, [.. model.Parameters.First(p => p.Name == n).Shape]))]);

        var graphs = RepresentationGraphs.Create(model, training, layout, [],
            TrainingGraphs.RepresentationWidth(model, forward));

        // Without the images the second graph cannot run the forward pass again: it starts from carried activations.
        var second = graphs.Split.Second.Graph;
        var first = graphs.Split.First.Graph;
        Assert.DoesNotContain(second.Input, i => model.Inputs.Any(m => m.Name == i.Name));
        Assert.Contains(second.Input, i => i.Name == TrainingGraphs.RepresentationUpdateInput);
        Assert.DoesNotContain(first.Input, i => i.Name == TrainingGraphs.RepresentationUpdateInput);
        Assert.All(graphs.Split.Carried, c => Assert.Contains(first.Output, o => o.Name == c));
        Assert.All(graphs.TrunkParameters, i =>
            Assert.Contains(second.Output, o => o.Name == graphs.Gradients.GradientOutputs[layout.Parameters[i].Name]));
        Assert.NotEmpty(graphs.SideParameters);
    }

    [Fact]
    public void Cut_FirstOutputThatReadsTheCutInput_FailsNamingIt()
    {
        var builder = new GraphBuilder();
        var x = builder.AddInput("x", ElementType.Float, 2);
        var u = builder.AddInput("u", ElementType.Float, 2);
        var sum = builder.Add(x, u);
        builder.AddOutput(sum, ElementType.Float, [2]);
        var model = builder.ToModel();

        var error = Assert.Throws<InvalidOperationException>(() => GraphSplit.Cut(model, ["u"], [sum.Name], []));

        Assert.Contains($"'{sum.Name}'", error.Message, StringComparison.Ordinal);
    }
}
