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

    [Theory]
    [InlineData(new long[] { 2, 3 }, new long[] { 2, 3 }, false)]
    [InlineData(new long[] { 2, 3 }, new long[] { 3 }, false)]
    [InlineData(new long[] { 2, 3 }, new long[] { }, true)]
    public void Pow_Gradient_MatchesFiniteDifferences(long[] shapeA, long[] shapeB, bool constantExponent)
    {
        var a = TestTensor.Random(shapeA, 1, 0.5f, 1.5f);
        var b = TestTensor.Random(shapeB, 2, -1.5f, 2.5f);
        if (constantExponent)
        {
            var constants = new Dictionary<string, TensorProto> { ["b"] = TensorProtos.Scalar("b", 3f) };
            var model = ModelFactory.Single("Pow", [("a", a)], ["a", "b"], constants);
            GradientChecker.Check(model, new Dictionary<string, TestTensor> { ["a"] = a }, ["a"]);
        }
        else
        {
            (string, TestTensor)[] inputs = [("a", a), ("b", b)];
            var model = ModelFactory.Single("Pow", inputs, ["a", "b"]);
            GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b"]);
        }
    }

    [Theory]
    [InlineData("LeakyRelu", "alpha", 0.01f)]
    [InlineData("LeakyRelu", "alpha", 0.3f)]
    [InlineData("LeakyRelu", "alpha", -0.2f)]
    [InlineData("Elu", "alpha", 1f)]
    [InlineData("Elu", "alpha", 0.5f)]
    public void Activation_Gradient_MatchesFiniteDifferences(string op, string attribute, float value)
    {
        // Values stay at least 0.1 away from the kink at zero, where finite differences would straddle it.
        var data = TestTensor.Random([2, 3, 2], 5, 0.1f, 1.5f);
        var signed = data.FloatData.Select((v, i) => i % 2 == 0 ? v : -v).ToArray();
        (string, TestTensor)[] inputs = [("x", TestTensor.Floats(data.Shape, signed))];
        var model = ModelFactory.Single(op, inputs, ["x"], attributes: [Attr.Float(attribute, value)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Fact]
    public void Softplus_Gradient_MatchesFiniteDifferences()
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([3, 4], 5, -3f, 3f))];
        GradientChecker.Check(ModelFactory.Single("Softplus", inputs, ["x"]), ModelFactory.Feed(inputs), ["x"]);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("tanh")]
    public void Gelu_Opset20_Gradient_MatchesFiniteDifferences(string approximate)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random([3, 4], 5, -3f, 3f))];
        var model = ModelFactory.Single(
            "Gelu", inputs, ["x"], opset: 20, attributes: [Attr.String("approximate", approximate)]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Fact]
    public void Gelu_ErfFormAsPyTorchExports_Gradient_MatchesFiniteDifferences()
    {
        // torch.onnx.export at opset 17 writes x·0.5·(1 + erf(x / √2)) as Div, Erf, Add, Mul, Mul.
        var b = new GraphBuilder("gelu", 17);
        var x = b.AddInput("x", ElementType.Float, 3, 4);
        var erf = b.Node("Erf", [b.Div(x, ModelFactory.Scalar(b, MathF.Sqrt(2)))]);
        var y = b.Mul(b.Mul(x, b.Add(erf, ModelFactory.Scalar(b, 1))), ModelFactory.Scalar(b, 0.5f));
        b.AddOutput(y, ElementType.Float);
        var inputs = new Dictionary<string, TestTensor> { ["x"] = TestTensor.Random([3, 4], 5, -3f, 3f) };
        GradientChecker.Check(b.ToModel(), inputs, ["x"]);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Clip_Gradient_MatchesFiniteDifferences(bool withMin, bool withMax)
    {
        // Points sit on a grid 0.25 apart, offset from the bounds ±0.5 so no perturbation crosses one.
        var values = Enumerable.Range(0, 12).Select(i => -1.4f + (0.25f * i)).ToArray();
        var constants = new Dictionary<string, TensorProto>();
        if (withMin)
        {
            constants["lo"] = TensorProtos.Scalar("lo", -0.5f);
        }

        if (withMax)
        {
            constants["hi"] = TensorProtos.Scalar("hi", 0.5f);
        }

        (string, TestTensor)[] inputs = [("x", TestTensor.Floats([3, 4], values))];
        var model = ModelFactory.Single("Clip", inputs, ["x", withMin ? "lo" : "", withMax ? "hi" : ""], constants);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    [Theory]
    [InlineData("Max", 2)]
    [InlineData("Min", 2)]
    [InlineData("Max", 3)]
    [InlineData("Min", 1)]
    public void MinMax_Gradient_MatchesFiniteDifferences(string op, int count)
    {
        long[][] shapes = [[2, 3], [3], [2, 1]];
        var inputs = Enumerable.Range(0, count)
            .Select(i => ($"x{i}", TestTensor.Random(shapes[i], 10 + i)))
            .ToArray();
        var model = ModelFactory.Single(op, inputs, inputs.Select(i => i.Item1).ToArray());
        GradientChecker.Check(model, ModelFactory.Feed(inputs), inputs.Select(i => i.Item1).ToArray());
    }

    [Fact]
    public void MinMax_Ties_SplitGradientEvenly()
    {
        var b = new GraphBuilder("ties", 17);
        var x = b.AddInput("x", ElementType.Float, 3);
        var y = b.AddInput("y", ElementType.Float, 3);
        var max = b.Node("Max", [x, y]);
        b.NewNode("ReduceSum", [max.Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        var result = MtlOnnx.Training.Autodiff.Autodiff.Differentiate(
            b.ToModel(), new MtlOnnx.Training.Autodiff.GradientRequest { Losses = ["loss"], WithRespectTo = ["x", "y"] });

        using var runner = new OrtRunner(result.Model);
        var outputs = runner.Run(new Dictionary<string, TestTensor>
        {
            ["x"] = TestTensor.Floats([3], [1, 2, 3]),
            ["y"] = TestTensor.Floats([3], [1, 5, 0]),
        });

        Assert.Equal([0.5f, 0, 1], outputs["x_grad"].FloatData);
        Assert.Equal([0.5f, 1, 0], outputs["y_grad"].FloatData);
    }

    [Theory]
    [InlineData(new long[] { 2, 3 }, new long[] { 2, 3 }, new long[] { 2, 3 })]
    [InlineData(new long[] { 2, 3 }, new long[] { 3 }, new long[] { 2, 1 })]
    [InlineData(new long[] { 3 }, new long[] { 2, 3 }, new long[] { })]
    public void Where_Gradient_MatchesFiniteDifferences(long[] condition, long[] shapeA, long[] shapeB)
    {
        var count = condition.Aggregate(1L, (p, d) => p * d);
        var flags = Enumerable.Range(0, (int)count).Select(i => i % 3 != 1).ToArray();
        (string, TestTensor)[] inputs =
        [
            ("c", TestTensor.Bools(condition, flags)), ("a", TestTensor.Random(shapeA, 1)), ("b", TestTensor.Random(shapeB, 2)),
        ];
        var model = ModelFactory.Single("Where", inputs, ["c", "a", "b"]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b"]);
    }

    [Theory]
    [InlineData("Sum")]
    [InlineData("Mean")]
    public void Variadic_Gradient_MatchesFiniteDifferences(string op)
    {
        (string, TestTensor)[] inputs =
        [
            ("a", TestTensor.Random([2, 3], 1)), ("b", TestTensor.Random([3], 2)), ("c", TestTensor.Random([2, 1], 3)),
        ];
        var model = ModelFactory.Single(op, inputs, ["a", "b", "c"]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b", "c"]);
    }

    [Fact]
    public void Cast_ThroughDouble_Gradient_MatchesFiniteDifferences()
    {
        var b = new GraphBuilder("cast", 17);
        var x = b.AddInput("x", ElementType.Float, 2, 3);
        var wide = b.Node("Cast", [x], Attr.Int("to", (long)ElementType.Double));
        var squared = b.Mul(wide, wide);
        var y = b.Node("Cast", [squared], Attr.Int("to", (long)ElementType.Float));
        b.AddOutput(y, ElementType.Float);
        GradientChecker.Check(b.ToModel(), new Dictionary<string, TestTensor> { ["x"] = TestTensor.Random([2, 3], 4) }, ["x"]);
    }
}
