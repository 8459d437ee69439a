using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class ElementwiseGradientTests
{
    [Theory]
    [InlineData("Add", new long[] { 2, 3 }, new long[] { 2, 3 })]
    [InlineData("Add", new long[] { 2, 3 }, new long[] { 3 })]
    [InlineData("Add", new long[] { 2, 1, 3 }, new long[] { 4, 1 })]
    [InlineData("Sub", new long[] { 2, 3 }, new long[] { 2, 1 })]
    [InlineData("Sub", new long[] { 3 }, new long[] { 2, 3 })]
    [InlineData("Mul", new long[] { 2, 3 }, new long[] { 2, 3 })]
    [InlineData("Mul", new long[] { 1, 3 }, new long[] { 2, 1 })]
    [InlineData("Mul", new long[] { 2, 3 }, new long[] { })]
    [InlineData("Div", new long[] { 2, 3 }, new long[] { 2, 3 })]
    [InlineData("Div", new long[] { 2, 3 }, new long[] { 3 })]
    public void Binary_Gradient_MatchesFiniteDifferences(string op, long[] shapeA, long[] shapeB)
    {
        (string, TestTensor)[] inputs =
        [
            ("a", TestTensor.Random(shapeA, 1)),
            ("b", op == "Div" ? TestTensor.Random(shapeB, 2, 0.5f, 1.5f) : TestTensor.Random(shapeB, 2)),
        ];
        var model = ModelFactory.Single(op, inputs, ["a", "b"]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b"]);
    }

    [Theory]
    [InlineData("Neg", -1f, 1f)]
    [InlineData("Identity", -1f, 1f)]
    [InlineData("Relu", 0.1f, 1f)]
    [InlineData("Relu", -1f, -0.1f)]
    [InlineData("Sigmoid", -2f, 2f)]
    [InlineData("Tanh", -2f, 2f)]
    [InlineData("Exp", -1f, 1f)]
    [InlineData("Log", 0.5f, 2f)]
    [InlineData("Sqrt", 0.5f, 2f)]
    [InlineData("Reciprocal", 0.5f, 2f)]
    [InlineData("Abs", 0.1f, 1f)]
    [InlineData("Abs", -1f, -0.1f)]
    [InlineData("Erf", -1.5f, 1.5f)]
    public void Unary_Gradient_MatchesFiniteDifferences(string op, float low, float high)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([2, 3, 2], 3, low, high))];
        var model = ModelFactory.Single(op, inputs, ["x"]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Fact]
    public void Relu_Gradient_UsesOnlyOutputAndNoWhere()
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([4], 3))];
        var model = GradientChecker.WithDotLoss(
            ModelFactory.Single("Relu", inputs, ["x"]), "y", TestTensor.Random([4], 4));
        var result = MtlOnnx.Training.Autodiff.Autodiff.Differentiate(
            model, new MtlOnnx.Training.Autodiff.GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] });

        var backward = result.Model.Graph.Node.Where(n => n.OpType != "Relu" && n.Input.Contains("x")).ToArray();
        Assert.Empty(backward);
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "Where");
    }
}
