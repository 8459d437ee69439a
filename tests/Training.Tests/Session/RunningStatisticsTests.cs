using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Optimizers;
using TrainingSession = MtlOnnx.Training.Session.TrainingSession;

namespace MtlOnnx.Training.Tests.Session;

public sealed class RunningStatisticsTests : IDisposable
{
    private const int Batch = 4;
    private const int Channels = 2;
    private const int Pixels = 3;
    private const float Momentum = 0.8f;

    private readonly TempFolder _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void TrainStep_WritesBatchNormRunningStatisticsBack_AndEvalUsesThem()
    {
        float[] initialMean = [0.5f, -1f];
        float[] initialVariance = [2f, 0.5f];
        var artifacts = ArtifactGenerator.Generate(
            new ArtifactSpec
            {
                Forward = Forward(initialMean, initialVariance),
                Trainable = ["bn.scale", "bn.bias"],
                Frozen = ["bn.mean", "bn.var"],
                Losses = [LossSpec.MeanSquaredError("y", "target")],
                Optimizer = OptimizerSpec.Sgd(0.1f),
            },
            _directory.File("a"));
        Assert.Equal(["bn.mean", "bn.var"], artifacts.RunningStatistics.Keys.Order());
        using var session = new TrainingSession(artifacts);
        var x = new float[Batch * Channels * Pixels];
        var random = new Random(3);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 4) - 1);
        }

        using var xValue = OrtValue.CreateTensorValueFromMemory(x, [Batch, Channels, Pixels]);
        using var target = OrtValue.CreateTensorValueFromMemory(new float[x.Length], [Batch, Channels, Pixels]);

        using (session.TrainStep([xValue, target]))
        {
        }

        // ONNX's convention: new = old · momentum + batch · (1 − momentum), with the population variance.
        using var mean = session.GetParameter("bn.mean");
        using var variance = session.GetParameter("bn.var");
        for (var c = 0; c < Channels; c++)
        {
            var values = Enumerable.Range(0, Batch)
                .SelectMany(n => Enumerable.Range(0, Pixels).Select(p => (double)x[(((n * Channels) + c) * Pixels) + p]))
                .ToArray();
            var batchMean = values.Average();
            var batchVariance = values.Select(v => (v - batchMean) * (v - batchMean)).Average();
            Assert.Equal(
                (initialMean[c] * Momentum) + (batchMean * (1 - Momentum)),
                mean.GetTensorDataAsSpan<float>()[c],
                5);
            Assert.Equal(
                (initialVariance[c] * Momentum) + (batchVariance * (1 - Momentum)),
                variance.GetTensorDataAsSpan<float>()[c],
                5);
        }

        // The evaluation graph normalises with the updated running statistics, not with the batch's.
        using var outputs = session.EvalStep([xValue, target]);
        var y = outputs["y"].GetTensorDataAsSpan<float>();
        var runningMean = mean.GetTensorDataAsSpan<float>()[0];
        var expected = (x[0] - runningMean) / Math.Sqrt(variance.GetTensorDataAsSpan<float>()[0] + 1e-5);
        using var scale = session.GetParameter("bn.scale");
        using var bias = session.GetParameter("bn.bias");
        Assert.Equal((expected * scale.GetTensorDataAsSpan<float>()[0]) + bias.GetTensorDataAsSpan<float>()[0], y[0], 4);
    }

    private static ModelProto Forward(float[] mean, float[] variance)
    {
        var b = new GraphBuilder("bn");
        var x = b.AddInput("x", ElementType.Float, Batch, Channels, Pixels);
        b.AddInitializer("bn.scale", [Channels], [1f, 1f]);
        b.AddInitializer("bn.bias", [Channels], [0f, 0f]);
        b.AddInitializer("bn.mean", [Channels], mean);
        b.AddInitializer("bn.var", [Channels], variance);
        b.NewNode(
            "BatchNormalization",
            [x.Name, "bn.scale", "bn.bias", "bn.mean", "bn.var"],
            ["y", "bn.mean_out", "bn.var_out"],
            attributes: [Attr.Float("momentum", Momentum), Attr.Int("training_mode", 1)]);
        b.AddOutput(new GraphValue("y"), ElementType.Float, [Batch, Channels, Pixels]);
        return b.ToModel();
    }
}
