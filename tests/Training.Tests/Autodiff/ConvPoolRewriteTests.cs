using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Tests.Autodiff.Support;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

namespace MtlOnnx.Training.Tests.Autodiff;

/// <summary>
/// A large-kernel Conv followed by a tiling MaxPool is differentiated in its polyphase form (SpaceToDepth, one
/// convolution over the phases, ReduceMax over them). Its gradients must match finite differences of the original
/// graph and the gradients of the same graph with an Identity between the two nodes, which keeps the plain rules.
/// </summary>
public sealed class ConvPoolRewriteTests
{
    private static readonly string[] s_parameters = ["x", "w", "b"];

    /// <summary>Builds Conv (no padding, stride 1) → MaxPool (block × block, stride block) → y.</summary>
    private static ModelProto ConvPool(
        long[] input,
        long[] weight,
        long block,
        int opset = 17,
        bool identityBetween = false,
        Dim? batch = null,
        params AttributeProto[] poolAttributes)
    {
        var b = new GraphBuilder("conv_pool", opset);
        var x = b.AddInput("x", ElementType.Float, [batch ?? input[0], .. input.Skip(1).Select(d => (Dim)d)]);
        var w = b.AddInput("w", ElementType.Float, weight.Select(d => (Dim)d).ToArray());
        var bias = b.AddInput("b", ElementType.Float, weight[0]);
        var conv = b.Node("Conv", [x, w, bias]);
        if (identityBetween)
        {
            conv = b.Node("Identity", [conv]);
        }

        AttributeProto[] attributes =
        [
            Attr.Ints("kernel_shape", block, block), Attr.Ints("strides", block, block), .. poolAttributes,
        ];
        var pooled = b.Node("MaxPool", [conv], attributes);
        b.NewNode("Identity", [pooled.Name], ["y"]);
        b.AddOutput(new GraphValue("y"), ElementType.Float);
        return b.ToModel();
    }

    private static (string, TestTensor)[] Inputs(long[] input, long[] weight, int seed) =>
    [
        ("x", TestTensor.Random(input, seed)),
        ("w", TestTensor.Random(weight, seed + 1, -0.3f, 0.3f)),
        ("b", TestTensor.Random([weight[0]], seed + 2)),
    ];

    /// <summary>Differentiates <c>loss = Σ y·R</c> for a fixed random R of y's shape.</summary>
    private static GradientResult Differentiate(ModelProto model, long[] input, long[] weight, long block)
    {
        long[] pooled = [input[0], weight[0], (input[2] - weight[2] + 1) / block, (input[3] - weight[3] + 1) / block];
        return AutodiffApi.Differentiate(
            GradientChecker.WithDotLoss(model, "y", TestTensor.Random(pooled, 7)),
            new GradientRequest { Losses = ["loss"], WithRespectTo = s_parameters });
    }

    private static bool IsRewritten(GradientResult result) =>
        result.Model.Graph.Node.Any(n => n.OpType == "SpaceToDepth") &&
        result.Model.Graph.Node.All(n => n.OpType != "MaxPool");

    public static TheoryData<long[], long[], int> RewrittenCases() => new()
    {
        // input, weight [M, C, kh, kw], opset; the pool is 2×2 with stride 2
        { [2, 1, 12, 12], [3, 1, 9, 9], 17 },
        { [1, 2, 12, 14], [2, 2, 9, 11], 17 },
        { [2, 1, 14, 12], [2, 1, 11, 9], 18 },
        { [1, 1, 16, 16], [2, 1, 9, 9], 13 },
    };

    [Theory]
    [MemberData(nameof(RewrittenCases))]
    public void ConvPool_Gradient_MatchesFiniteDifferences(long[] input, long[] weight, int opset)
    {
        var model = ConvPool(input, weight, 2, opset);
        var inputs = Inputs(input, weight, 11);
        Assert.True(IsRewritten(Differentiate(model, input, weight, 2)));

        GradientChecker.Check(model, ModelFactory.Feed(inputs), s_parameters, delta: 1e-3, absoluteTolerance: 5e-3);
    }

    public static TheoryData<long[], long[], bool, bool> AgreementCases() => new()
    {
        // input, weight, tied inputs (all ones: every window has four equal maxima), symbolic batch
        { [3, 1, 12, 12], [4, 1, 9, 9], false, false },
        { [3, 1, 12, 12], [4, 1, 9, 9], false, true },
        { [2, 1, 10, 10], [2, 1, 9, 9], true, false },
        { [2, 2, 12, 12], [3, 2, 9, 9], true, true },
    };

    [Theory]
    [MemberData(nameof(AgreementCases))]
    public void ConvPool_Rewritten_MatchesPlainRules(long[] input, long[] weight, bool tied, bool symbolicBatch)
    {
        Dim? batch = symbolicBatch ? Dim.Symbol("batch") : (Dim?)null;
        var rewritten = Differentiate(ConvPool(input, weight, 2, batch: batch), input, weight, 2);
        var plain = Differentiate(ConvPool(input, weight, 2, identityBetween: true, batch: batch), input, weight, 2);
        Assert.True(IsRewritten(rewritten));
        Assert.False(IsRewritten(plain));

        var feed = ModelFactory.Feed(Inputs(input, weight, 5));
        if (tied)
        {
            feed["x"] = TestTensor.Floats(input, Enumerable.Repeat(1f, (int)feed["x"].Count).ToArray());
            feed["w"] = TestTensor.Floats(weight, Enumerable.Repeat(0.5f, (int)feed["w"].Count).ToArray());
        }

        using var rewrittenRunner = new OrtRunner(rewritten.Model);
        using var plainRunner = new OrtRunner(plain.Model);
        var actual = rewrittenRunner.Run(feed, [.. s_parameters.Select(p => rewritten.GradientOutputs[p]), "loss"]);
        var expected = plainRunner.Run(feed, [.. s_parameters.Select(p => plain.GradientOutputs[p]), "loss"]);
        AssertClose(expected["loss"].FloatData, actual["loss"].FloatData, "loss");
        foreach (var p in s_parameters)
        {
            var (want, got) = (expected[plain.GradientOutputs[p]], actual[rewritten.GradientOutputs[p]]);
            AssertClose(want.FloatData, got.FloatData, p);
        }
    }

    [Fact]
    public void ConvPool_TiedMaxima_ShareGradientEvenly()
    {
        // All ones: every output of the convolution is 1·81 + 0, each 2×2 window holds four equal maxima, and
        // y = ReduceSum(pool) sends a quarter of each window's gradient to each of its four positions.
        long[] input = [2, 1, 10, 10];
        long[] weight = [1, 1, 9, 9];
        var b = new GraphBuilder("ties", 17);
        var x = b.AddInput("x", ElementType.Float, input.Select(d => (Dim)d).ToArray());
        var w = b.AddInput("w", ElementType.Float, weight.Select(d => (Dim)d).ToArray());
        var bias = b.AddInput("b", ElementType.Float, 1);
        var pooled = b.Node(
            "MaxPool", [b.Node("Conv", [x, w, bias])], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        b.NewNode("ReduceSum", [pooled.Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        var result = AutodiffApi.Differentiate(
            b.ToModel(), new GradientRequest { Losses = ["loss"], WithRespectTo = s_parameters });
        Assert.True(IsRewritten(result));

        using var runner = new OrtRunner(result.Model);
        var outputs = runner.Run(new Dictionary<string, TestTensor>
        {
            ["x"] = TestTensor.Floats(input, Enumerable.Repeat(1f, 200).ToArray()),
            ["w"] = TestTensor.Floats(weight, Enumerable.Repeat(1f, 81).ToArray()),
            ["b"] = TestTensor.Floats([1], [0f]),
        });

        // Each image has 2×2 positions with gradient 1/4, each reading 1 at every tap: dW = 2·4·(1/4) = 2, dB = 2.
        // A corner pixel is under one position (dX = 1/4), pixel (1, 1) under all four (dX = 1).
        Assert.All(outputs[result.GradientOutputs["w"]].FloatData, v => Assert.Equal(2f, v, 5));
        Assert.Equal(2f, outputs[result.GradientOutputs["b"]].FloatData[0], 5);
        var dx = outputs[result.GradientOutputs["x"]].FloatData;
        Assert.Equal(0.25f, dx[0], 5);
        Assert.Equal(1f, dx[11], 5);
    }

    public static TheoryData<string, long[], long[], long, AttributeProto[]> KeptCases() => new()
    {
        // why, input, weight, block, extra pool attributes
        { "a 5x5 kernel inflates the work by 44 %", [1, 1, 12, 12], [2, 1, 5, 5], 2, [] },
        { "more than 32 output channels", [1, 1, 12, 12], [33, 1, 9, 9], 2, [] },
        { "the input height is odd", [1, 1, 13, 12], [2, 1, 10, 9], 2, [] },
        { "the pool pads", [1, 1, 12, 12], [2, 1, 9, 9], 2, [Attr.Ints("pads", 1, 1, 1, 1)] },
        { "the pool rounds up", [1, 1, 12, 12], [2, 1, 9, 9], 2, [Attr.Int("ceil_mode", 1)] },
    };

    [Theory]
    [MemberData(nameof(KeptCases))]
    public void ConvPool_NotRewritten_WhereTheFormDoesNotApply(
        string why, long[] input, long[] weight, long block, AttributeProto[] poolAttributes)
    {
        var model = ConvPool(input, weight, block, poolAttributes: poolAttributes);
        var result = Differentiate(model, input, weight, block);

        Assert.False(IsRewritten(result), why);
        Assert.Contains(result.Model.Graph.Node, n => n.OpType == "MaxPool");
    }

    public static TheoryData<string, long[], string?> MoveCases() => new()
    {
        // operator, input, DepthToSpace mode
        { "SpaceToDepth", [1, 2, 4, 6], null },
        { "DepthToSpace", [2, 8, 2, 3], "DCR" },
        { "DepthToSpace", [1, 8, 3, 2], "CRD" },
    };

    [Theory]
    [MemberData(nameof(MoveCases))]
    public void SpaceToDepth_Gradient_MatchesFiniteDifferences(string op, long[] input, string? mode)
    {
        (string, TestTensor)[] inputs = [("x", TestTensor.Random(input, 3))];
        AttributeProto[] attributes = mode is null
            ? [Attr.Int("blocksize", 2)]
            : [Attr.Int("blocksize", 2), Attr.String("mode", mode)];
        var model = ModelFactory.Single(op, inputs, ["x"], attributes: attributes);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["x"]);
    }

    private static void AssertClose(float[] expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(expected.Max(v => Math.Abs(v)), 1e-6f);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale,
                $"{name}[{i}]: plain rules {expected[i]}, polyphase form {actual[i]}.");
        }
    }
}
