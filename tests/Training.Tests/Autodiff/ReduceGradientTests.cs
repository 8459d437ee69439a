using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class ReduceGradientTests
{
    public static TheoryData<string, long[]?, int, int> Cases()
    {
        var data = new TheoryData<string, long[]?, int, int>();
        foreach (var op in new[] { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceLogSumExp" })
        {
            foreach (var opset in new[] { 13, 18 })
            {
                data.Add(op, [1], 1, opset);
                data.Add(op, [0, 2], 0, opset);
                data.Add(op, [-1], 0, opset);
                data.Add(op, null, 1, opset);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduce_Gradient_MatchesFiniteDifferences(string op, long[]? axes, int keepDims, int opset)
    {
        // Distinct values on a shuffled grid keep max and min free of ties and finite differences off the kinks.
        var values = Enumerable.Range(0, 24).Select(i => ((i * 7) % 24 * 0.1f) - 1.1f).ToArray();
        (string, TestTensor)[] inputs = [("x", TestTensor.Floats([2, 3, 4], values))];
        var axesAsInput = op == "ReduceSum" ? opset >= 13 : opset >= 18;
        var constants = new Dictionary<string, TensorProto>();
        var order = new List<string> { "x" };
        var attributes = new List<AttributeProto> { Attr.Int("keepdims", keepDims) };
        if (axes is not null)
        {
            if (axesAsInput)
            {
                constants["axes"] = TensorProtos.FromInt64s(string.Empty, [axes.Length], axes);
                order.Add("axes");
            }
            else
            {
                attributes.Add(Attr.Ints("axes", axes));
            }
        }

        var model = ModelFactory.Single(op, inputs, order, constants, opset, attributes: [.. attributes]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"], delta: 1e-2);
    }

    [Fact]
    public void ReduceSum_NoopWithEmptyAxes_PassesGradientThrough()
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([2, 3], 3))];
        var model = ModelFactory.Single("ReduceSum", inputs, ["x"], attributes: [Attr.Int("noop_with_empty_axes", 1)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Fact]
    public void ReduceMax_Ties_SplitGradientEvenly()
    {
        var b = new GraphBuilder("ties", 18);
        var x = b.AddInput("x", ElementType.Float, 4);
        b.NewNode("ReduceMax", [x.Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        var result = MtlOnnx.Training.Autodiff.Autodiff.Differentiate(
            b.ToModel(), new MtlOnnx.Training.Autodiff.GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] });

        using var runner = new OrtRunner(result.Model);
        var outputs = runner.Run(new Dictionary<string, TestTensor> { ["x"] = TestTensor.Floats([4], [3, 1, 3, 2]) });

        Assert.Equal([0.5f, 0, 0.5f, 0], outputs["x_grad"].FloatData);
    }
}
