using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class ShapeGradientTests
{
    private static TensorProto Ints(params long[] values) => TensorProtos.FromInt64s(string.Empty, [values.Length], values);

    private static void CheckOne(string op, long[] shape, Dictionary<string, TensorProto> constants, string[] order,
        int opset = 17, int outputs = 1, params AttributeProto[] attributes)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random(shape, 3))];
        var model = ModelFactory.Single(op, inputs, order, constants, opset, outputs, attributes);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 6, 4 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { -1, 2 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 0, 12 })]
    public void Reshape_Gradient_MatchesFiniteDifferences(long[] shape, long[] target) =>
        CheckOne("Reshape", shape, new() { ["s"] = Ints(target) }, ["x", "s"]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(0)]
    public void Flatten_Gradient_MatchesFiniteDifferences(int axis) =>
        CheckOne("Flatten", [2, 3, 2], [], ["x"], attributes: Attr.Int("axis", axis));

    [Theory]
    [InlineData(new long[] { 2, 0, 1 })]
    [InlineData(new long[] { 1, 2, 0 })]
    [InlineData(null)]
    public void Transpose_Gradient_MatchesFiniteDifferences(long[]? perm) =>
        CheckOne("Transpose", [2, 3, 4], [], ["x"], attributes: perm is null ? [] : [Attr.Ints("perm", perm)]);

    [Theory]
    [InlineData(17)]
    [InlineData(13)]
    public void SqueezeUnsqueeze_Gradient_MatchesFiniteDifferences(int opset)
    {
        CheckOne("Squeeze", [2, 1, 3, 1], new() { ["a"] = Ints(1, -1) }, ["x", "a"], opset);
        CheckOne("Unsqueeze", [2, 3], new() { ["a"] = Ints(0, 3) }, ["x", "a"], opset);
    }

    [Fact]
    public void Squeeze_WithoutAxes_Gradient_MatchesFiniteDifferences() => CheckOne("Squeeze", [1, 3, 1], [], ["x"]);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Concat_Gradient_MatchesFiniteDifferences(int axis)
    {
        long[] ShapeWith(long size) => axis == 0 ? [size, 2, 2] : axis == 1 ? [2, size, 2] : [2, 2, size];
        (string, TestTensor)[] inputs =
        [
            ("a", TestTensor.Random(ShapeWith(1), 1)), ("b", TestTensor.Random(ShapeWith(2), 2)),
            ("c", TestTensor.Random(ShapeWith(3), 3)),
        ];
        var model = ModelFactory.Single("Concat", inputs, ["a", "b", "c"], attributes: [Attr.Int("axis", axis)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b", "c"]);
    }

    [Fact]
    public void Split_AllOutputsUsed_Gradient_MatchesFiniteDifferences()
    {
        var b = new GraphBuilder("split", 17);
        var x = b.AddInput("x", ElementType.Float, 2, 6);
        var parts = b.Node("Split", [x, ModelFactory.Int64s(b, [1, 2, 3])], 3, Attr.Int("axis", 1));
        var y = b.Node("Concat", [b.Mul(parts[2], parts[2]), parts[0], b.Relu(parts[1])], Attr.Int("axis", 1));
        b.AddOutput(y, ElementType.Float);
        var input = TestTensor.Random([2, 6], 8, 0.2f, 1f);
        GradientChecker.Check(b.ToModel(), new Dictionary<string, TestTensor> { ["x"] = input }, ["x"]);
    }

    [Fact]
    public void Split_OneOutputUnused_GetsZeros()
    {
        CheckOne("Split", [2, 6], new() { ["s"] = Ints(4, 2) }, ["x", "s"], outputs: 2, attributes: Attr.Int("axis", 1));
    }

    [Theory]
    [InlineData(new long[] { 1 }, new long[] { 3 }, new long[] { 1 }, new long[] { 1 })]
    [InlineData(new long[] { 0, 1 }, new long[] { 5, 3 }, new long[] { 0, 1 }, new long[] { 2, 1 })]
    [InlineData(new long[] { -1 }, new long[] { -6 }, new long[] { 0 }, new long[] { -2 })]
    [InlineData(new long[] { 1, -1 }, new long[] { long.MaxValue, 0 }, new long[] { 1, 0 }, new long[] { 1, -3 })]
    [InlineData(new long[] { 0 }, new long[] { 4 }, new long[] { -1 }, new long[] { 3 })]
    public void Slice_Gradient_MatchesFiniteDifferences(long[] starts, long[] ends, long[] axes, long[] steps) =>
        CheckOne(
            "Slice",
            [5, 4],
            new() { ["st"] = Ints(starts), ["en"] = Ints(ends), ["ax"] = Ints(axes), ["sp"] = Ints(steps) },
            ["x", "st", "en", "ax", "sp"]);

    [Theory]
    [InlineData(0, 17, new long[] { 2, 0, 2, 3 }, new long[] { 4 })]
    [InlineData(0, 13, new long[] { 2, 0, 2, 3 }, new long[] { 2, 2 })]
    [InlineData(1, 17, new long[] { 1, -1, 1 }, new long[] { 3 })]
    [InlineData(1, 13, new long[] { 0, 2 }, new long[] { 2 })]
    [InlineData(0, 17, new long[] { 3 }, new long[] { })]
    public void Gather_Gradient_MatchesFiniteDifferences(int axis, int opset, long[] indices, long[] indexShape)
    {
        (string, TestTensor)[] inputs =
        [
            ("x", TestTensor.Random([4, 3], 3)), ("i", TestTensor.Int64s(indexShape, indices)),
        ];
        var model = ModelFactory.Single("Gather", inputs, ["x", "i"], opset: opset, attributes: [Attr.Int("axis", axis)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Theory]
    [InlineData(new long[] { 3, 1 }, new long[] { 2, 3, 4 })]
    [InlineData(new long[] { 3 }, new long[] { 2, 1 })]
    public void Expand_Gradient_MatchesFiniteDifferences(long[] shape, long[] target) =>
        CheckOne("Expand", shape, new() { ["s"] = Ints(target) }, ["x", "s"]);

    [Fact]
    public void Tile_Gradient_MatchesFiniteDifferences() =>
        CheckOne("Tile", [2, 3], new() { ["r"] = Ints(2, 3) }, ["x", "r"]);

    [Theory]
    [InlineData(17, new long[] { 1, 0, 2, 1 })]
    [InlineData(13, new long[] { 0, 2, 0, 1 })]
    [InlineData(18, new long[] { 1, 2 })]
    public void Pad_Constant_Gradient_MatchesFiniteDifferences(int opset, long[] pads)
    {
        var constants = new Dictionary<string, TensorProto> { ["p"] = Ints(pads), ["v"] = TensorProtos.Scalar("v", 0.5f) };
        string[] order = pads.Length == 2 ? ["x", "p", "v", "axes"] : ["x", "p", "v"];
        if (pads.Length == 2)
        {
            constants["axes"] = Ints(1);
        }

        CheckOne("Pad", [2, 3], constants, order, opset);
    }
}
