using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Tests.Autodiff.Support;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class NormalizationGradientTests
{
    private static (string, TestTensor)[] BatchNormInputs(long[] shape) =>
    [
        ("x", TestTensor.Random(shape, 1)),
        ("scale", TestTensor.Random([shape[1]], 2, 0.5f, 1.5f)),
        ("bias", TestTensor.Random([shape[1]], 3)),
        ("mean", TestTensor.Random([shape[1]], 4)),
        ("var", TestTensor.Random([shape[1]], 5, 0.5f, 1.5f)),
    ];

    [Theory]
    [InlineData(new long[] { 2, 3, 2, 2 })]
    [InlineData(new long[] { 4, 3 })]
    public void BatchNormalization_InferenceMode_Gradient_MatchesFiniteDifferences(long[] shape)
    {
        var inputs = BatchNormInputs(shape);
        var model = ModelFactory.Single("BatchNormalization", inputs, ["x", "scale", "bias", "mean", "var"], opset: 15);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x", "scale", "bias", "mean", "var"]);
    }

    [Theory]
    [InlineData(new long[] { 3, 2, 2, 2 }, 15)]
    [InlineData(new long[] { 4, 3 }, 17)]
    [InlineData(new long[] { 2, 2, 3 }, 18)]
    public void BatchNormalization_TrainingMode_Gradient_MatchesFiniteDifferences(long[] shape, int opset)
    {
        // The finite differences run ORT's own training-mode kernel; the gradient runs our primitive rewrite.
        var inputs = BatchNormInputs(shape);
        var model = ModelFactory.Single(
            "BatchNormalization", inputs, ["x", "scale", "bias", "mean", "var"], opset: opset, outputCount: 3,
            attributes: [Attr.Int("training_mode", 1), Attr.Float("momentum", 0.8f)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x", "scale", "bias"], delta: 1e-2, absoluteTolerance: 5e-3);
    }

    [Fact]
    public void BatchNormalization_TrainingMode_RunningStatisticsFollowOnnxMomentum()
    {
        var inputs = BatchNormInputs([4, 2, 1, 1]);
        var model = ModelFactory.Single(
            "BatchNormalization", inputs, ["x", "scale", "bias", "mean", "var"], opset: 15, outputCount: 3,
            attributes: [Attr.Int("training_mode", 1), Attr.Float("momentum", 0.8f)]);
        var loss = GradientChecker.WithDotLoss(model, "y", TestTensor.Random([4, 2, 1, 1], 9));
        var result = AutodiffApi.Differentiate(loss, new GradientRequest { Losses = ["loss"], WithRespectTo = ["scale"] });

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal("y1", result.RunningStatisticOutputs["mean"]);
        Assert.Equal("y2", result.RunningStatisticOutputs["var"]);
        using var runner = new OrtRunner(result.Model);
        var feed = ModelFactory.Feed(inputs);
        var outputs = runner.Run(feed, ["y1", "y2"]);

        var x = feed["x"].FloatData;
        for (var ch = 0; ch < 2; ch++)
        {
            var values = Enumerable.Range(0, 4).Select(n => (double)x[(n * 2) + ch]).ToArray();
            var batchMean = values.Average();
            var batchVar = values.Select(v => (v - batchMean) * (v - batchMean)).Average();
            Assert.Equal((feed["mean"].FloatData[ch] * 0.8) + (batchMean * 0.2), outputs["y1"].FloatData[ch], 5);
            Assert.Equal((feed["var"].FloatData[ch] * 0.8) + (batchVar * 0.2), outputs["y2"].FloatData[ch], 5);
        }
    }

    [Fact]
    public void BatchNormalization_WithoutRunningOutputs_NamesThemAfterTheInputs()
    {
        var inputs = BatchNormInputs([4, 2]);
        var model = ModelFactory.Single("BatchNormalization", inputs, ["x", "scale", "bias", "mean", "var"], opset: 17);
        var loss = GradientChecker.WithDotLoss(model, "y", TestTensor.Random([4, 2], 9));
        var result = AutodiffApi.Differentiate(
            loss, new GradientRequest { Losses = ["loss"], WithRespectTo = ["x"], ForceTrainingMode = true });

        Assert.Equal("mean_new", result.RunningStatisticOutputs["mean"]);
        Assert.Equal("var_new", result.RunningStatisticOutputs["var"]);
        Assert.Contains(result.Model.Graph.Output, o => o.Name == "mean_new");
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 4 }, -1, true)]
    [InlineData(new long[] { 2, 3, 4 }, 1, true)]
    [InlineData(new long[] { 3, 5 }, -1, false)]
    public void LayerNormalization_Gradient_MatchesFiniteDifferences(long[] shape, int axis, bool withBias)
    {
        var normalized = shape.Skip(axis < 0 ? shape.Length + axis : axis).ToArray();
        var inputs = new List<(string, TestTensor)>
        {
            ("x", TestTensor.Random(shape, 1)), ("scale", TestTensor.Random(normalized, 2, 0.5f, 1.5f)),
        };
        if (withBias)
        {
            inputs.Add(("bias", TestTensor.Random(normalized, 3)));
        }

        var names = inputs.Select(i => i.Item1).ToArray();
        var model = ModelFactory.Single(
            "LayerNormalization", inputs, names, opset: 17, attributes: [Attr.Int("axis", axis), Attr.Float("epsilon", 1e-5f)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), names);
    }

    [Theory]
    [InlineData("Softmax", -1)]
    [InlineData("Softmax", 1)]
    [InlineData("LogSoftmax", -1)]
    [InlineData("LogSoftmax", 0)]
    public void Softmax_Gradient_MatchesFiniteDifferences(string op, int axis)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([2, 3, 4], 1, -2f, 2f))];
        var model = ModelFactory.Single(op, inputs, ["x"], attributes: [Attr.Int("axis", axis)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Theory]
    [InlineData(0.25f, true)]
    [InlineData(0.5f, false)]
    public void Dropout_Gradient_FollowsTheMask(float ratio, bool feedMask)
    {
        var b = new GraphBuilder("dropout", 17);
        var x = b.AddInput("x", ElementType.Float, 4, 8);
        var ratioValue = b.AddInitializer(TensorProtos.Scalar("ratio", ratio));
        var training = b.AddInitializer(new TensorProto { Name = "training", DataType = (int)ElementType.Bool,
            RawData = Google.Protobuf.ByteString.CopyFrom(1) });
        b.NewNode("Dropout", [x.Name, ratioValue.Name, training.Name], ["y", "mask"]);
        b.AddOutput(new GraphValue("y"), ElementType.Float);
        b.AddOutput(new GraphValue("mask"), ElementType.Bool);
        var r = TestTensor.Random([4, 8], 3);
        var loss = GradientChecker.WithDotLoss(b.ToModel(), "y", r);
        var result = AutodiffApi.Differentiate(
            loss, new GradientRequest { Losses = ["loss"], WithRespectTo = ["x"], FeedDropoutMasks = feedMask });

        var feed = new Dictionary<string, TestTensor> { ["x"] = TestTensor.Random([4, 8], 1) };
        if (feedMask)
        {
            var maskInput = Assert.Single(result.DropoutMaskInputs).Value;
            feed[maskInput] = TestTensor.Bools([4, 8], Enumerable.Range(0, 32).Select(i => i % 3 != 0).ToArray());
        }

        using var runner = new OrtRunner(result.Model);
        var maskName = feedMask ? result.DropoutMaskInputs.Values.Single() : "mask";
        Assert.Contains(result.Model.Graph.Output, o => o.Name == maskName);
        // One run: without a fed mask every run draws a new one.
        var outputs = runner.Run(feed, feedMask ? ["y", "x_grad"] : ["y", "x_grad", "mask"]);
        var mask = (bool[])(feedMask ? feed[maskName] : outputs["mask"]).Data;
        var scale = 1 / (1 - ratio);
        for (var i = 0; i < 32; i++)
        {
            var kept = mask[i] ? scale : 0f;
            Assert.Equal(feed["x"].FloatData[i] * kept, outputs["y"].FloatData[i], 5);
            Assert.Equal(r.FloatData[i] * kept, outputs["x_grad"].FloatData[i], 5);
        }

        Assert.Contains(mask, m => !m);
    }

    [Fact]
    public void Dropout_InferenceMode_PassesGradientThrough()
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([3, 4], 1))];
        GradientChecker.Check(ModelFactory.Single("Dropout", inputs, ["x"]), ModelFactory.Feed(inputs), ["x"]);
    }
}
