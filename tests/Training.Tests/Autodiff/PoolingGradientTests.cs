using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class PoolingGradientTests
{
    /// <summary>Distinct values (a shuffled grid 0.05 apart) so no window has tied maxima.</summary>
    private static TestTensor Distinct(long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (p, d) => p * d);
        var values = Enumerable.Range(0, count).Select(i => ((i * 37) % count * 0.05f) - 1f).ToArray();
        return TestTensor.Floats(shape, values);
    }

    public static TheoryData<long[], long[], long[]?, long[]?, int, int> MaxPoolCases() => new()
    {
        // input, kernel, strides, pads, ceil_mode, opset
        { [1, 2, 4, 4], [2, 2], [2, 2], null, 0, 17 },
        { [2, 1, 5, 5], [2, 2], [2, 2], null, 0, 17 },
        { [1, 2, 5, 5], [3, 3], [2, 2], null, 0, 17 },
        { [1, 1, 5, 5], [3, 3], [2, 2], [1, 1, 1, 1], 0, 17 },
        { [1, 1, 5, 6], [2, 2], [2, 2], null, 1, 17 },
        { [1, 2, 6, 6], [2, 2], [3, 3], null, 0, 13 },
        { [1, 2, 8], [3], [2], [1, 1], 0, 17 },
    };

    [Theory]
    [MemberData(nameof(MaxPoolCases))]
    public void MaxPool_Gradient_MatchesFiniteDifferences(long[] input, long[] kernel, long[]? strides, long[]? pads, int ceil, int opset)
    {
        (string, TestTensor)[] inputs = [("x", Distinct(input))];
        var attributes = new List<AttributeProto> { Attr.Ints("kernel_shape", kernel), Attr.Int("ceil_mode", ceil) };
        if (strides is not null)
        {
            attributes.Add(Attr.Ints("strides", strides));
        }

        if (pads is not null)
        {
            attributes.Add(Attr.Ints("pads", pads));
        }

        var model = ModelFactory.Single("MaxPool", inputs, ["x"], opset: opset, attributes: [.. attributes]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"], delta: 1e-3);
    }

    [Fact]
    public void MaxPool_TiledForm_UsesResizeAndNoIndices()
    {
        (string, TestTensor)[] inputs = [("x", Distinct([1, 1, 4, 4]))];
        var model = GradientChecker.WithDotLoss(
            ModelFactory.Single("MaxPool", inputs, ["x"], attributes: [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
            "y", TestTensor.Random([1, 1, 2, 2], 1));
        var result = MtlOnnx.Training.Autodiff.Autodiff.Differentiate(
            model, new MtlOnnx.Training.Autodiff.GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] });

        var pool = Assert.Single(result.Model.Graph.Node, n => n.OpType == "MaxPool");
        Assert.Single(pool.Output);
        Assert.Contains(result.Model.Graph.Node, n => n.OpType == "Resize");
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType is "ScatterElements" or "Where");
    }

    [Fact]
    public void MaxPool_TiedMaxima_ShareGradientEvenly()
    {
        var b = new GraphBuilder("ties", 17);
        var x = b.AddInput("x", ElementType.Float, 1, 1, 2, 2);
        var pooled = b.Node("MaxPool", [x], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        b.NewNode("ReduceSum", [pooled.Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        var result = MtlOnnx.Training.Autodiff.Autodiff.Differentiate(
            b.ToModel(), new MtlOnnx.Training.Autodiff.GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] });

        using var runner = new OrtRunner(result.Model);
        var outputs = runner.Run(new Dictionary<string, TestTensor> { ["x"] = TestTensor.Floats([1, 1, 2, 2], [0, 0, -1, 0]) });

        var third = 1f / 3;
        Assert.Equal([third, third, 0, third], outputs["x_grad"].FloatData);
    }

    public static TheoryData<long[], long[], long[]?, long[]?, int, int> AveragePoolCases() => new()
    {
        // input, kernel, strides, pads, count_include_pad, ceil_mode
        { [1, 2, 4, 4], [2, 2], [2, 2], null, 0, 0 },
        { [1, 1, 5, 5], [3, 3], [2, 2], [1, 1, 1, 1], 0, 0 },
        { [1, 1, 5, 5], [3, 3], [2, 2], [1, 1, 1, 1], 1, 0 },
        { [1, 1, 5, 6], [2, 3], [2, 2], null, 0, 1 },
        { [2, 2, 7], [3], [2], [1, 0], 0, 0 },
        { [1, 1, 6, 6], [3, 3], [1, 1], null, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(AveragePoolCases))]
    public void AveragePool_Gradient_MatchesFiniteDifferences(
        long[] input, long[] kernel, long[]? strides, long[]? pads, int includePad, int ceil)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random(input, 5))];
        var attributes = new List<AttributeProto>
        {
            Attr.Ints("kernel_shape", kernel), Attr.Int("count_include_pad", includePad), Attr.Int("ceil_mode", ceil),
        };
        if (strides is not null)
        {
            attributes.Add(Attr.Ints("strides", strides));
        }

        if (pads is not null)
        {
            attributes.Add(Attr.Ints("pads", pads));
        }

        var model = ModelFactory.Single("AveragePool", inputs, ["x"], attributes: [.. attributes]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 4, 4 })]
    [InlineData(new long[] { 2, 3, 5 })]
    public void GlobalAveragePool_Gradient_MatchesFiniteDifferences(long[] shape)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random(shape, 5))];
        GradientChecker.Check(ModelFactory.Single("GlobalAveragePool", inputs, ["x"]), ModelFactory.Feed(inputs), ["x"]);
    }
}
