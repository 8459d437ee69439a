using MtlOnnx.Core.Tests.Testing;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class ShapeTrackerTests
{
    public static TheoryData<long, long, long, long, long, long> SliceTable => new()
    {
        // size, start, end, step, expected first index, expected count: Python's slice.indices gives the same.
        { 10, 0, long.MaxValue, 1, 0, 10 },
        { 10, -3, long.MaxValue, 1, 7, 3 },
        { 10, 2, 9, 3, 2, 3 },
        { 10, 8, 2, -2, 8, 3 },
        { 10, -1, long.MinValue, -1, 9, 10 },
        { 10, 20, 30, 1, 10, 0 },
        { 10, 5, 5, 1, 5, 0 },
        { 4, -100, 100, 2, 0, 2 },
        { 0, 0, long.MaxValue, 1, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(TorchFixtureTests.Fixtures), MemberType = typeof(TorchFixtureTests))]
    public void InferNode_TorchExport_EqualsWholeGraphInference(string name)
    {
        var model = OnnxModelIO.Load(TorchFixtures.PathOf(name));
        var whole = ShapeInference.Infer(model.Clone(), updateValueInfo: false);

        var tracker = TrackByHand(model.Graph, model.OpsetImport.Single(o => o.Domain.Length == 0).Version);

        AssertSame(whole, tracker, model.Graph);
    }

    [Theory]
    [MemberData(nameof(ShapeInferenceTests.Cases), MemberType = typeof(ShapeInferenceTests))]
    public void InferNode_BuiltGraph_EqualsWholeGraphInference(string name)
    {
        var model = ShapeInferenceTests.Build(name);
        var whole = ShapeInference.Infer(model.Clone(), updateValueInfo: false);

        var tracker = TrackByHand(model.Graph, model.OpsetImport.Single(o => o.Domain.Length == 0).Version);

        AssertSame(whole, tracker, model.Graph);
    }

    [Fact]
    public void InferNode_AsNodesAreAdded_KnowsSymbolicBatchAtEveryStep()
    {
        var b = new GraphBuilder("lenet");
        var tracker = new ShapeTracker(b.Opset);
        var x = b.AddInput("x", ElementType.Float, "batch", 1, 28, 28);
        tracker.SetTensor(x.Name, ElementType.Float, ValueInfos.GetShape(b.Graph.Input[0]));
        var inferred = 0;
        GraphValue Add(GraphValue value)
        {
            // Infer what the builder added since the last call, as the autodiff does for the nodes it emits.
            while (inferred < b.Graph.Node.Count)
            {
                tracker.InferNode(b.Graph.Node[inferred++]);
            }

            return value;
        }

        var w1 = Constant(b, tracker, "w1", [4, 1, 5, 5]);
        var conv = Add(b.Relu(b.Conv(x, w1, GraphValue.None)));
        Assert.Equal("[batch, 4, 24, 24]", Describe(tracker, conv));
        var pool = Add(b.Node("MaxPool", [conv], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)));
        Assert.Equal("[batch, 4, 12, 12]", Describe(tracker, pool));
        var flat = Add(b.Node("Flatten", [pool]));
        Assert.Equal("[batch, 576]", Describe(tracker, flat));
        var logits = Add(b.Linear(flat, Constant(b, tracker, "w2", [10, 576]), Constant(b, tracker, "b2", [10])));
        Assert.Equal("[batch, 10]", Describe(tracker, logits));
        Assert.Equal(ElementType.Float, tracker.GetElementType(logits.Name));
        Assert.Null(tracker.GetStaticShape(logits.Name));

        b.AddOutput(logits, ElementType.Float);
        AssertSame(ShapeInference.Infer(b.ToModel(), updateValueInfo: false), tracker, b.Graph);
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("4")]
    public void InferNode_ShapeGatherConcatReshape_ResolvesTheTarget(string batch)
    {
        var b = new GraphBuilder();
        Dim first = long.TryParse(batch, out var size) ? size : batch;
        var x = b.AddInput("x", ElementType.Float, first, 20, 5, 5);
        var shape = b.Node("Shape", [x]);
        var n = b.Node("Gather", [shape, b.AddInitializer("zero", [], [0L])], Attr.Int("axis", 0));
        var target = b.Node("Concat", [b.Node("Unsqueeze", [n, b.Int64s([0])]), b.Int64s([-1])], Attr.Int("axis", 0));
        var y = b.Node("Reshape", [x, target]);
        var model = b.ToModel();
        var tracker = new ShapeTracker(b.Opset);
        tracker.AddGraph(model.Graph);

        foreach (var node in model.Graph.Node)
        {
            Assert.True(tracker.InferNode(node), node.OpType);
        }

        Assert.Equal([first, Dim.Fixed(500)], tracker.GetShape(y.Name));
        Assert.Equal([Dim.Fixed(2)], tracker.GetShape(target.Name));
        Assert.Equal(first.IsFixed ? [size, -1] : null, tracker.GetInt64Values(target.Name));
        Assert.Equal(first.IsFixed ? [size, 20, 5, 5] : null, tracker.GetInt64Values(shape.Name));
    }

    [Fact]
    public void InferNode_SliceWithRunTimeBounds_ChangesOnlyTheSlicedAxis()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "N", 8, 5);
        var n = b.Node("Gather", [b.Node("Shape", [x]), b.AddInitializer("zero", [], [0L])], Attr.Int("axis", 0));
        var start = b.Node("Unsqueeze", [b.Node("Sub", [n, b.AddInitializer("one", [], [1L])]), b.Int64s([0])]);
        var sliced = b.Node("Slice", [x, start, b.Int64s([long.MaxValue]), b.Int64s([0])]);
        var sum = b.Node("ReduceSum", [sliced, b.Int64s([0])], Attr.Int("keepdims", 0));
        b.AddOutput(sum, ElementType.Float);
        var model = b.ToModel();
        var tracker = new ShapeTracker(b.Opset);
        tracker.AddGraph(model.Graph);

        foreach (var node in model.Graph.Node)
        {
            tracker.InferNode(node);
        }

        Assert.Equal([Dim.Unknown, Dim.Fixed(8), Dim.Fixed(5)], tracker.GetShape(sliced.Name));
        Assert.Equal([Dim.Fixed(8), Dim.Fixed(5)], tracker.GetShape(sum.Name));
        var inputs = new Dictionary<string, Ort.Tensor> { ["x"] = Ort.Random(7, 3, 8, 5) };
        var symbols = new Dictionary<string, long> { ["N"] = 3 };
        ShapeCheck.AssertMatchesOrt(model, inputs, symbols, new HashSet<string> { sliced.Name });
    }

    [Fact]
    public void GetValues_Constants_ReturnEveryElementOnlyForTrueConstants()
    {
        var b = new GraphBuilder();
        var matrix = b.AddInitializer("matrix", [2, 40], Enumerable.Range(0, 80).Select(i => (long)i).ToArray());
        var flag = TensorProtos.Create("flag", ElementType.Bool, [], new[] { true });
        var half = TensorProtos.Create("half", ElementType.Float16, [2], new[] { (Half)0.5, (Half)(-2) });
        b.AddInitializer(flag);
        b.AddInitializer(half);
        var overridable = b.AddInitializer("default", [2], [3L, 4]);
        b.Graph.Input.Add(ValueInfos.Tensor(overridable.Name, ElementType.Int64, [Dim.Fixed(2)]));
        var scaled = b.Node("Mul", [b.Node("Cast", [new GraphValue("half")], Attr.Int("to", 1)), b.Scalar(2f)]);
        var tracker = new ShapeTracker(b.Opset);
        tracker.AddGraph(b.Graph);

        foreach (var node in b.Graph.Node)
        {
            tracker.InferNode(node);
        }

        Assert.Equal(Enumerable.Range(0, 80).Select(i => (long)i), tracker.GetInt64Values(matrix.Name));
        Assert.Equal(new long[] { 1 }, tracker.GetInt64Values("flag"));
        Assert.Equal(new[] { 0.5, -2.0 }, tracker.GetDoubleValues("half"));
        Assert.Equal(new[] { 1.0, -4.0 }, tracker.GetDoubleValues(scaled.Name));
        Assert.Null(tracker.GetInt64Values(overridable.Name));
        Assert.Equal([Dim.Fixed(2)], tracker.GetShape(overridable.Name));
        Assert.Null(tracker.GetInt64Values("missing"));
        Assert.False(tracker.Contains("missing"));
    }

    [Fact]
    public void SetTensorAndCopyTensor_FeedLaterNodes()
    {
        var tracker = new ShapeTracker(17);
        tracker.SetTensor("x", ElementType.Float, [Dim.Symbol("batch"), Dim.Fixed(3)]);
        tracker.SetTensor("target", ElementType.Int64, [Dim.Fixed(1)], [-1]);
        var node = new NodeProto { OpType = "Reshape", Input = { "x", "target" }, Output = { "y" } };

        Assert.True(tracker.InferNode(node));
        Assert.True(tracker.CopyTensor("y", "renamed"));
        Assert.False(tracker.CopyTensor("missing", "other"));

        Assert.Equal([Dim.Symbol("3*batch")], tracker.GetShape("renamed"));
        Assert.Equal(ElementType.Float, tracker.GetElementType("renamed"));
        Assert.Contains("renamed", tracker.Names);
        Assert.Empty(tracker.UnknownOperators);
    }

    [Fact]
    public void InferNode_UnknownOperator_TakesDeclaredFactsAndIsReported()
    {
        var tracker = new ShapeTracker(17);
        tracker.SetTensor("x", ElementType.Float, [Dim.Symbol("batch"), Dim.Fixed(3)]);
        tracker.Declare(ValueInfos.Tensor("m", ElementType.Float, [Dim.Fixed(2), Dim.Symbol("k")]));
        tracker.Declare(ValueInfos.Tensor("r", ElementType.Float, [Dim.Fixed(4), Dim.Unknown]));
        var mystery = new NodeProto { OpType = "Mystery", Domain = "com.example", Input = { "x" }, Output = { "m" } };
        var relu = new NodeProto { OpType = "Relu", Input = { "x" }, Output = { "r" } };
        var other = new NodeProto { OpType = "Unheard", Input = { "x" }, Output = { "u" } };

        Assert.False(tracker.InferNode(mystery));
        Assert.True(tracker.InferNode(relu));
        Assert.False(tracker.InferNode(other));

        Assert.Equal([Dim.Fixed(2), Dim.Symbol("k")], tracker.GetShape("m"));

        // A fixed size the graph declares beats an inferred symbol; an inferred fixed size beats a declared unknown.
        Assert.Equal([Dim.Fixed(4), Dim.Fixed(3)], tracker.GetShape("r"));
        Assert.False(tracker.Contains("u"));
        Assert.Equal(["Mystery", "Unheard"], tracker.UnknownOperators);
    }

    [Fact]
    public void Arguments_Invalid_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShapeTracker(0));
        var tracker = new ShapeTracker(17);
        Assert.Throws<ArgumentNullException>(() => tracker.InferNode(null!));
        Assert.Throws<ArgumentNullException>(() => tracker.AddGraph(null!));
        Assert.Throws<ArgumentNullException>(() => tracker.GetShape(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceRange.Resolve(4, 0, 4, 0));
    }

    [Theory]
    [MemberData(nameof(SliceTable))]
    public void SliceRange_Resolve_ClampsAsTheSpecificationSays(
        long size, long start, long end, long step, long expectedStart, long expectedCount)
    {
        var range = SliceRange.Resolve(size, start, end, step);

        Assert.Equal((expectedStart, expectedCount, step), (range.Start, range.Count, range.Step));
    }

    // Seeds a tracker the way a graph builder does, through the public setters rather than AddGraph, and infers
    // the nodes one at a time.
    private static ShapeTracker TrackByHand(GraphProto graph, long opset)
    {
        var tracker = new ShapeTracker(opset);
        foreach (var info in graph.ValueInfo.Concat(graph.Output))
        {
            tracker.Declare(info);
        }

        var inputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            tracker.SetTensor(input.Name, ValueInfos.GetElementType(input), ValueInfos.GetShape(input));
        }

        foreach (var initializer in graph.Initializer.Where(i => !inputs.Contains(i.Name)))
        {
            tracker.SetConstant(initializer.Name, initializer);
        }

        foreach (var node in graph.Node)
        {
            tracker.InferNode(node);
        }

        return tracker;
    }

    private static void AssertSame(ShapeInferenceResult whole, ShapeTracker tracker, GraphProto graph)
    {
        var outputs = graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0).ToArray();
        Assert.NotEmpty(outputs);
        foreach (var name in outputs.Concat(whole.Names).Distinct())
        {
            whole.TryGetElementType(name, out var type);
            Assert.Equal((name, type), (name, tracker.GetElementType(name)));
            var shape = whole.TryGetShape(name, out var s) ? string.Join(", ", s) : null;
            var tracked = tracker.GetShape(name) is { } t ? string.Join(", ", t) : null;
            Assert.Equal((name, shape), (name, tracked));
        }

        Assert.Equal(whole.UnknownOperators, tracker.UnknownOperators);
    }

    private static GraphValue Constant(GraphBuilder b, ShapeTracker tracker, string name, long[] dims)
    {
        var count = (int)TensorProtos.ElementCount(dims);
        var value = b.AddInitializer(name, dims, Ort.Random(count, count).Data);
        tracker.SetConstant(name, b.Graph.Initializer[^1]);
        return value;
    }

    private static string Describe(ShapeTracker tracker, GraphValue value) =>
        tracker.GetShape(value.Name) is { } shape ? $"[{string.Join(", ", shape)}]" : "unknown";
}
