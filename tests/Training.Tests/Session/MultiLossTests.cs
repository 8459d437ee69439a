using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Optimizers;
using TrainingSession = MtlOnnx.Training.Session.TrainingSession;

namespace MtlOnnx.Training.Tests.Session;

public sealed class MultiLossTests : IDisposable
{
    private readonly TempFolder _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void TrainStep_WeightedGradient_IsTheWeightedSumOfThePerLossGradients()
    {
        // Two losses on the MLP's prediction: the squared error against y, and the mean square of the prediction.
        var b = GraphBuilder.FromModel(MlpArtifacts.Forward(new TinyMlp(11).Initial));
        var pred = new GraphValue("pred");
        b.NewNode("ReduceMean", [b.Mul(pred, pred).Name], ["l2"], attributes: Attr.Int("keepdims", 0));
        var artifacts = ArtifactGenerator.Generate(
            new ArtifactSpec
            {
                Forward = b.ToModel(),
                Trainable = ["w1", "b1", "w2", "b2"],
                Losses = [LossSpec.MeanSquaredError("pred", "y", "fit"), LossSpec.Existing("l2")],
                LossWeightsInput = "loss_weights",
                PerLossWithRespectTo = ["w1"],
                Optimizer = OptimizerSpec.Sgd(0.1f),
            },
            _directory.File("a"));
        using var session = new TrainingSession(artifacts);
        var perLoss = new[] { artifacts.PerLossGradients["fit"]["w1"], artifacts.PerLossGradients["l2"]["w1"] };
        session.SelectOutputs(training: true, ["fit", "l2", .. perLoss]);
        Assert.Equal(["loss_weights", "x", "y"], session.InputNames(training: true).Order());

        using var batch = new MlpBatch(16);
        batch.Fill(0);
        float[] weights = [0.3f, 0.7f];
        using var weightValue = OrtValue.CreateTensorValueFromMemory(weights, [2]);
        var inputs = session.InputNames(training: true)
            .Select(n => n switch { "x" => batch.Inputs[0], "y" => batch.Inputs[1], _ => weightValue })
            .ToArray();

        using var outputs = session.TrainStep(inputs);

        var fit = outputs[perLoss[0]].GetTensorDataAsSpan<float>();
        var l2 = outputs[perLoss[1]].GetTensorDataAsSpan<float>();
        using var combined = session.GetGradient("w1");
        var w1 = combined.GetTensorDataAsSpan<float>();
        for (var i = 0; i < w1.Length; i++)
        {
            var expected = (0.3f * fit[i]) + (0.7f * l2[i]);
            var tolerance = 1e-6 + (1e-5 * Math.Abs(expected));
            Assert.True(Math.Abs(w1[i] - expected) <= tolerance, $"w1[{i}]: {w1[i]} vs {expected}");
        }

        Assert.True(outputs["fit"].GetTensorDataAsSpan<float>()[0] > 0);
        Assert.True(outputs["l2"].GetTensorDataAsSpan<float>()[0] > 0);
    }
}
