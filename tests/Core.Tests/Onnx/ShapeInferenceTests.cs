using MtlOnnx.Core.Tests.Testing;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class ShapeInferenceTests
{
    private const int Batch = 3;

    // Each case builds a graph over an input "x" whose first dimension is the symbol N, as models and gradients
    // use them; the test runs it in ORT with N = 3 and compares every node output.
    private static readonly Dictionary<string, (Dim[] Input, int Opset, Action<GraphBuilder, GraphValue> Build)> s_cases =
        new(StringComparer.Ordinal)
        {
            ["Broadcast"] = ([ "N", 4, 5 ], 17, (b, x) =>
            {
                var sum = b.Add(x, b.AddInitializer("row", [5], Floats(5)));
                var product = b.Mul(sum, b.AddInitializer("col", [4, 1], Floats(4)));
                b.Node("Div", [b.Sub(product, b.Scalar(1f)), b.Node("Max", [x, b.Scalar(0.5f), product])]);
                b.Node("Pow", [b.Node("Abs", [x]), b.Scalar(2f)]);
            }),
            ["CompareWhere"] = ([ "N", 6 ], 17, (b, x) =>
            {
                var positive = b.Node("Greater", [x, b.Scalar(0f)]);
                var small = b.Node("Less", [x, b.AddInitializer("limits", [6], Floats(6))]);
                var both = b.Node("And", [positive, small]);
                b.Node("Where", [both, x, b.Scalar(0f)]);
                b.Node("Not", [b.Node("Equal", [x, x])]);
            }),
            ["Unary"] = ([ "N", 7 ], 17, (b, x) =>
            {
                foreach (var op in new[] { "Relu", "Sigmoid", "Tanh", "Exp", "Neg", "Erf", "Softplus", "Floor" })
                {
                    b.Node(op, [x]);
                }

                b.Node("LeakyRelu", [x], Attr.Float("alpha", 0.1f));
                b.Node("Sqrt", [b.Node("Abs", [x])]);
                b.Node("Softmax", [x], Attr.Int("axis", -1));
                b.Node("LogSoftmax", [x], Attr.Int("axis", 1));
                b.Node("Clip", [x, b.Scalar(-0.5f), b.Scalar(0.5f)]);
                b.Node("Identity", [x]);
            }),
            ["MatMul"] = ([ "N", 4, 5 ], 17, (b, x) =>
            {
                b.MatMul(x, b.AddInitializer("w", [5, 6], Floats(30)));
                var batched = b.Reshape(x, 0, 1, 4, 5);
                b.MatMul(batched, b.AddInitializer("w3", [2, 5, 3], Floats(30)));
                b.MatMul(x, b.AddInitializer("v", [5], Floats(5)));
            }),
            ["Gemm"] = ([ "N", 5 ], 17, (b, x) =>
            {
                b.Linear(x, b.AddInitializer("w", [6, 5], Floats(30)), b.AddInitializer("bias", [6], Floats(6)));
                b.Node("Gemm", [b.AddInitializer("a", [5, 2], Floats(10)), b.Transpose(x, 1, 0)], Attr.Int("transA", 1));
            }),
            ["Conv"] = ([ "N", 4, 11, 10 ], 17, (b, x) =>
            {
                b.Conv(x, b.AddInitializer("k", [6, 4, 3, 3], Floats(216)), b.AddInitializer("kb", [6], Floats(6)),
                    strides: [2, 2], pads: [1, 1, 1, 1]);
                b.Conv(x, b.AddInitializer("g", [4, 2, 3, 2], Floats(48)), GraphValue.None, group: 2);
                b.Node("Conv", [x, b.AddInitializer("d", [2, 4, 3, 3], Floats(72))],
                    Attr.Ints("dilations", 2, 2), Attr.Ints("pads", 0, 1, 2, 0));
                b.Node("Conv", [x, b.AddInitializer("su", [2, 4, 3, 3], Floats(72))],
                    Attr.Ints("strides", 2, 2), Attr.String("auto_pad", "SAME_UPPER"));
                b.Node("Conv", [x, b.AddInitializer("s", [3, 4, 3, 3], Floats(108))],
                    Attr.Ints("strides", 3, 2), Attr.String("auto_pad", "VALID"));
            }),
            ["ConvTranspose"] = ([ "N", 4, 5, 6 ], 17, (b, x) =>
            {
                b.Node("ConvTranspose", [x, b.AddInitializer("k", [4, 2, 3, 3], Floats(72))],
                    Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("output_padding", 1, 0));
                b.Node("ConvTranspose", [x, b.AddInitializer("g", [4, 3, 2, 2], Floats(48))], Attr.Int("group", 2));
            }),
            ["Pooling"] = ([ "N", 3, 9, 8 ], 17, (b, x) =>
            {
                b.Node("MaxPool", [x], 2, Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2),
                    Attr.Int("ceil_mode", 1));
                b.Node("AveragePool", [x], Attr.Ints("kernel_shape", 2, 3), Attr.Ints("pads", 1, 1, 1, 1));
                b.Node("MaxPool", [x], Attr.Ints("kernel_shape", 3, 3), Attr.String("auto_pad", "SAME_UPPER"),
                    Attr.Ints("strides", 2, 2));
                b.Node("GlobalAveragePool", [x]);
                b.Node("GlobalMaxPool", [x]);
            }),
            ["Normalization"] = ([ "N", 3, 4, 4 ], 17, (b, x) =>
            {
                b.Node("BatchNormalization",
                    [x, b.AddInitializer("scale", [3], Floats(3)), b.AddInitializer("shift", [3], Floats(3)),
                        b.AddInitializer("mean", [3], Floats(3)), b.AddInitializer("var", [3], [1f, 2f, 3f])]);
                b.Node("LayerNormalization", [x, b.AddInitializer("gamma", [4], Floats(4)),
                    b.AddInitializer("beta", [4], Floats(4))], 3, Attr.Int("axis", -1));
                b.Node("LayerNormalization", [x, b.AddInitializer("gamma2", [4, 4], Floats(16))], Attr.Int("axis", 2));
                b.Node("InstanceNormalization", [x, b.AddInitializer("s2", [3], Floats(3)),
                    b.AddInitializer("b2", [3], Floats(3))]);
                b.Node("Dropout", [x], 2);
            }),
            ["Reshapes"] = ([ "N", 4, 6 ], 17, (b, x) =>
            {
                b.Reshape(x, 0, -1);
                b.Reshape(x, -1, 6);
                b.Reshape(x, 2, -1, 12);
                b.Reshape(x, -1, 4, 6);
                b.Reshape(x, 0, 2, 2, -1);
                b.Node("Flatten", [x], Attr.Int("axis", 2));
                b.Node("Flatten", [x], Attr.Int("axis", 0));
                b.Transpose(x, 2, 0, 1);
                b.Node("Transpose", [x]);
            }),
            ["ShapeArithmetic"] = ([ "N", 4, 6 ], 17, (b, x) =>
            {
                // The pattern torch.onnx.export emits for x.view(x.size(0), -1, 2).
                var shape = b.Node("Shape", [x]);
                var batch = b.Node("Gather", [shape, b.AddInitializer("zero", [], [0L])], Attr.Int("axis", 0));
                var target = b.Node("Concat", [b.Node("Unsqueeze", [batch, b.Int64s([0])]),
                    b.Int64s([-1, 2])], Attr.Int("axis", 0));
                b.Node("Reshape", [x, target]);
                var half = b.Node("Div", [b.Node("Gather", [shape, b.AddInitializer("two", [], [2L])]),
                    b.AddInitializer("two_v", [], [2L])]);
                var leading = b.Node("Slice", [shape, b.Int64s([0]), b.Int64s([2])]);
                var target2 = b.Node("Concat", [leading, b.Node("Unsqueeze", [half, b.Int64s([0])]), b.Int64s([-1])],
                    Attr.Int("axis", 0));
                b.Node("Reshape", [x, target2]);

                // Folding a dimension into the batch, as attention does with its heads, and back again.
                var folded = b.Node("Mul", [batch, b.AddInitializer("four", [], [4L])]);
                var foldTarget = b.Node("Concat", [b.Node("Unsqueeze", [folded, b.Int64s([0])]), b.Int64s([6])],
                    Attr.Int("axis", 0));
                var flat = b.Node("Reshape", [x, foldTarget]);
                b.Reshape(b.Node("Concat", [flat, flat], Attr.Int("axis", 0)), -1, 4, 6);
                b.Node("Expand", [b.AddInitializer("ones", [1, 1, 6], Floats(6)), shape]);
                b.Node("ConstantOfShape", [shape], Attr.Tensor("value", TensorProtos.FromFloats("v", [1], [2f])));
                b.Node("Size", [x]);
                b.Node("Shape", [x], Attr.Int("start", 1));
                b.Node("Cast", [b.Node("Shape", [x])], Attr.Int("to", (long)ElementType.Float));
            }),
            ["SqueezeConcatSplit"] = ([ "N", 1, 6 ], 17, (b, x) =>
            {
                var squeezed = b.Node("Squeeze", [x, b.Int64s([1])]);
                var unsqueezed = b.Node("Unsqueeze", [squeezed, b.Int64s([0, -1])]);
                b.Node("Concat", [x, x, b.Reshape(x, 0, 1, 6)], Attr.Int("axis", 1));
                b.Node("Concat", [squeezed, b.Reshape(x, 0, -1)], Attr.Int("axis", 1));
                b.Node("Split", [x, b.Int64s([2, 4])], 2, Attr.Int("axis", 2));
                b.Node("Split", [squeezed], 3, Attr.Int("axis", 1));
                b.Node("Squeeze", [unsqueezed, b.Int64s([0])]);
            }),
            ["SliceGather"] = ([ "N", 8, 5 ], 17, (b, x) =>
            {
                b.Node("Slice", [x, b.Int64s([1, -4]), b.Int64s([7, long.MaxValue]), b.Int64s([1, 2]), b.Int64s([2, 1])]);
                b.Node("Slice", [x, b.Int64s([-1]), b.Int64s([-9]), b.Int64s([1]), b.Int64s([-3])]);
                b.Node("Slice", [x, b.Int64s([0]), b.Int64s([long.MaxValue]), b.Int64s([0])]);
                b.Node("Gather", [x, b.AddInitializer("idx", [2, 2], [0L, 7, -1, 3])], Attr.Int("axis", 1));
                b.Node("Gather", [x, b.AddInitializer("one", [], [1L])], Attr.Int("axis", 2));
                b.Node("GatherElements", [x, b.Node("Cast", [b.Node("Floor", [b.Node("Abs", [x])])],
                    Attr.Int("to", (long)ElementType.Int64))], Attr.Int("axis", 1));
            }),
            ["PadTileExpand"] = ([ "N", 2, 3 ], 17, (b, x) =>
            {
                b.Node("Pad", [x, b.Int64s([0, 1, 2, 0, 3, 4])]);
                b.Node("Tile", [x, b.Int64s([2, 1, 3])]);
                b.Node("Tile", [x, b.Int64s([1, 2, 1])]);
                b.Node("Expand", [b.Reshape(x, 0, 2, 1, 3), b.Int64s([1, 4, 1])]);
            }),
            ["Reductions17"] = ([ "N", 4, 5 ], 17, (b, x) =>
            {
                b.Node("ReduceMean", [x], Attr.Ints("axes", -1));
                b.Node("ReduceMax", [x], Attr.Ints("axes", 1, 2), Attr.Int("keepdims", 0));
                b.Node("ReduceSum", [x, b.Int64s([0])], Attr.Int("keepdims", 0));
                b.Node("ReduceSum", [x]);
                b.Node("ReduceL2", [x], Attr.Ints("axes", 1));
                b.Node("ArgMax", [x], Attr.Int("axis", 2), Attr.Int("keepdims", 0));
                b.Node("ArgMin", [x], Attr.Int("axis", 1));
            }),
            ["Reductions18"] = ([ "N", 4, 5 ], 18, (b, x) =>
            {
                b.Node("ReduceMean", [x, b.Int64s([-1])]);
                b.Node("ReduceMax", [x, b.Int64s([1, 2])], Attr.Int("keepdims", 0));
                b.Node("ReduceSumSquare", [x, b.Int64s([0, 2])]);
                b.Node("ReduceMin", [x]);
                b.Node("Split", [x], 2, Attr.Int("axis", 1), Attr.Int("num_outputs", 2));
            }),
            ["Losses"] = ([ "N", 5 ], 17, (b, x) =>
            {
                var labels = b.AddInitializer("labels", [Batch], [0L, 4, 2]);
                b.Node("SoftmaxCrossEntropyLoss", [x, labels], 2);
                b.Node("SoftmaxCrossEntropyLoss", [x, labels], Attr.String("reduction", "none"));
                b.Node("NegativeLogLikelihoodLoss", [b.Node("LogSoftmax", [x]), labels], Attr.String("reduction", "sum"));
            }),
            ["Scatter"] = ([ "N", 4 ], 17, (b, x) =>
            {
                b.Node("ScatterND", [x, b.AddInitializer("ind", [1, 1], [1L]), b.AddInitializer("upd", [1, 4], Floats(4))]);
                b.Node("ScatterElements", [x, b.AddInitializer("ei", [1, 2], [3L, 0]),
                    b.AddInitializer("eu", [1, 2], Floats(2))], Attr.Int("axis", 1));
            }),
            ["ResizeTopK"] = ([ "N", 2, 3, 4 ], 17, (b, x) =>
            {
                b.Node("Resize", [x, GraphValue.None, b.AddInitializer("scales", [4], [1f, 1f, 2f, 1.5f])]);
                b.Node("Resize", [x, GraphValue.None, GraphValue.None, b.Int64s([Batch, 2, 5, 7])]);
                b.Node("TopK", [x, b.Int64s([2])], 2, Attr.Int("axis", 3));
            }),
            ["ConstantRange"] = ([ "N", 4 ], 17, (b, x) =>
            {
                var c = TensorProtos.FromFloats("t", [1, 4], Floats(4));
                b.NewNode("Constant", [], ["c"], attributes: Attr.Tensor("value", c));
                b.Add(x, new GraphValue("c"));
                b.NewNode("Constant", [], ["ints"], attributes: Attr.Ints("value_ints", 2, 5));
                b.Node("Range", [b.AddInitializer("start", [], [1L]), b.AddInitializer("limit", [], [10L]),
                    b.AddInitializer("delta", [], [3L])]);
                b.Node("OneHot", [b.AddInitializer("hot", [2], [1L, 0]), b.AddInitializer("depth", [], [4L]),
                    b.AddInitializer("onoff", [2], [0f, 1f])]);
            }),
            ["ValuesThroughNegAndCasts"] = ([ "N", 4, 6 ], 17, (b, x) =>
            {
                // Rules that the autodiff's own inference had first: values through Neg, Cast and CastLike.
                b.Node("Reshape", [x, b.Node("Neg", [b.Int64s([1, -6])])]);
                var shape = b.Node("Shape", [x]);
                var narrow = b.Node("Cast", [shape], Attr.Int("to", (long)ElementType.Int32));
                b.Node("Reshape", [x, b.Node("Cast", [narrow], Attr.Int("to", (long)ElementType.Int64))]);
                b.Node("Reshape", [x, b.Node("CastLike", [narrow, b.Int64s([0])])]);
            }),
            ["LikeInput"] = ([ "N", 4, 6 ], 17, (b, x) =>
            {
                var row = b.Node("Gather", [x, b.AddInitializer("first", [], [0L])], Attr.Int("axis", 0));
                b.Node("EyeLike", [row], Attr.Int("dtype", (long)ElementType.Double));
                b.Node("RandomNormalLike", [x]);
                b.Node("RandomUniformLike", [x], Attr.Int("dtype", (long)ElementType.Double));
                b.Node("Bernoulli", [b.Node("Sigmoid", [x])]);
            }),
            ["Upsample9"] = ([ "N", 2, 3, 4 ], 9, (b, x) =>
            {
                var up = b.Node("Upsample", [x, b.AddInitializer("scales", [4], [1f, 1f, 2f, 1.5f])]);
                b.Node("Relu", [up]);
            }),
        };

    public static TheoryData<string> Cases => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Infer_OperatorCase_MatchesOrtForEveryValue(string name)
    {
        var model = Build(name);
        var shape = s_cases[name].Input.Select((d, i) => d.Value ?? Batch).ToArray();
        var inputs = new Dictionary<string, Ort.Tensor> { ["x"] = Ort.Random(41, shape) };

        var compared = ShapeCheck.AssertMatchesOrt(model, inputs, new Dictionary<string, long> { ["N"] = Batch });

        Assert.True(compared >= 2);
    }

    [Fact]
    public void Infer_OperatorCases_ValueInfoAcceptedByReferenceChecker()
    {
        using var folder = new TempFolder();
        var paths = new List<string>();
        // Debian's onnx 1.12 knows opsets up to 17, so the opset 18 case is checked by ORT alone.
        foreach (var name in s_cases.Keys.Where(n => s_cases[n].Opset <= 17))
        {
            var model = Build(name);
            ShapeInference.Infer(model);
            Assert.NotEmpty(model.Graph.ValueInfo);
            var path = folder.File(name + ".onnx");
            OnnxModelIO.Save(model, path);
            paths.Add(path);
        }

        // The checker's strict shape inference fails when our value_info contradicts its own results.
        OnnxChecker.AssertValid([.. paths]);
    }

    [Theory]
    [MemberData(nameof(TorchFixtureTests.Fixtures), MemberType = typeof(TorchFixtureTests))]
    public void Infer_TorchExport_EveryValueKnownAndMatchesOrt(string name)
    {
        var model = OnnxModelIO.Load(TorchFixtures.PathOf(name));

        var compared = ShapeCheck.AssertMatchesOrt(
            model, TorchFixtureTests.SampleInputs(name, Batch), new Dictionary<string, long> { ["batch"] = Batch });

        Assert.True(compared >= model.Graph.Node.Count);
    }

    [Fact]
    public void Infer_Model_FillsValueInfoAndQueryApi()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 8);
        var h = b.Relu(b.Linear(x, b.AddInitializer("w", [4, 8], Floats(32)), b.AddInitializer("b", [4], Floats(4))));
        var y = b.Node("ReduceSum", [h, b.Int64s([1])], Attr.Int("keepdims", 0));
        b.AddOutput(y, ElementType.Float);
        var model = b.ToModel();

        var result = ShapeInference.Infer(model);

        Assert.True(result.TryGetShape(h.Name, out var shape));
        Assert.Equal([Dim.Symbol("batch"), Dim.Fixed(4)], shape);
        Assert.True(result.TryGetElementType(h.Name, out var type));
        Assert.Equal(ElementType.Float, type);
        Assert.Equal("float[batch, 4]", result.Describe(h.Name));
        Assert.Equal(-1, result.GetRank("nothing"));
        Assert.False(result.TryGetShape("nothing", out _));
        var info = model.Graph.ValueInfo.Single(v => v.Name == h.Name);
        Assert.Equal(["batch", "4"], ValueInfos.GetShape(info)!.Select(d => d.ToString()));
        Assert.Equal([Dim.Symbol("batch")], ValueInfos.GetShape(model.Graph.Output[0])!);
    }

    [Fact]
    public void Infer_UnknownOperator_LeavesOutputUnknownAndContinues()
    {
        var b = new GraphBuilder();
        b.ImportOpset("com.example", 1);
        var x = b.AddInput("x", ElementType.Float, "batch", 3);
        b.NewNode("Mystery", [x.Name], ["m"], domain: "com.example");
        var r = b.Relu(new GraphValue("m"));
        var after = b.Relu(x);
        b.AddOutput(r, ElementType.Float);

        var result = ShapeInference.Infer(b.ToModel());

        Assert.False(result.TryGetShape("m", out _));
        Assert.False(result.TryGetShape(r.Name, out _));
        Assert.True(result.IsFullyKnown(after.Name));
        Assert.Contains("Mystery", result.UnknownOperators);
    }

    [Fact]
    public void Infer_MalformedAttributes_DoesNotThrow()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 3, 8, 8);
        var conv = b.Node("Conv", [x, b.AddInitializer("k", [2, 3, 3, 3], Floats(54))], Attr.Ints("strides", 1));
        var pool = b.Node("MaxPool", [x], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 1));
        var transpose = b.Node("Transpose", [x], Attr.Ints("perm", 0, 7, 1, 2));
        b.AddOutput(conv, ElementType.Float);

        var result = ShapeInference.Infer(b.ToModel());

        Assert.True(result.TryGetElementType(conv.Name, out _));
        Assert.False(result.IsFullyKnown(pool.Name));
        Assert.False(result.TryGetShape(transpose.Name, out _));
    }

    [Fact]
    public void Infer_ExistingValueInfo_FillsWhatRulesCannot()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 3);
        b.NewNode("NonZero", [x.Name], ["nz"]);
        b.AddOutput(new GraphValue("nz"), ElementType.Int64);
        b.Graph.ValueInfo.Add(ValueInfos.Tensor("nz", ElementType.Int64, [Dim.Fixed(2), Dim.Symbol("count")]));

        var result = ShapeInference.Infer(b.ToModel(), updateValueInfo: false);

        Assert.True(result.TryGetShape("nz", out var shape));
        Assert.Equal([Dim.Fixed(2), Dim.Symbol("count")], shape);
    }

    internal static ModelProto Build(string name)
    {
        var (input, opset, build) = s_cases[name];
        var b = new GraphBuilder(name, opset);
        var x = b.AddInput("x", ElementType.Float, input);
        build(b, x);
        var last = b.Graph.Node[^1].Output[0];
        b.AddOutput(new GraphValue(last), ElementType.Undefined);
        var model = b.ToModel();

        // The builder's output was declared without a type; take it from inference so the model is complete.
        model.Graph.Output.Clear();
        var types = ShapeInference.Infer(model.Clone(), updateValueInfo: false);
        Assert.True(types.TryGetElementType(last, out var type), $"No type for '{last}' in case {name}.");
        model.Graph.Output.Add(ValueInfos.Tensor(last, type, null));
        return model;
    }

    private static float[] Floats(int count) => Ort.Random(count, count).Data;
}
