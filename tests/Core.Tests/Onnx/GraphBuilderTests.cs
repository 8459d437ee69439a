using MtlOnnx.Core.Tests.Testing;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class GraphBuilderTests
{
    [Fact]
    public void Linear_RunsInOnnxRuntime_MatchesManualProduct()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 3);
        var w = b.AddInitializer("w", [2, 3], [1f, 2, 3, 4, 5, 6]);
        var bias = b.AddInitializer("b", [2], [0.5f, -0.5f]);
        var y = b.Linear(x, w, bias);
        b.AddOutput(y, ElementType.Float, ["batch", 2]);

        var outputs = Ort.Run(OnnxModelIO.ToBytes(b.ToModel()), new Dictionary<string, Ort.Tensor>
        {
            ["x"] = new([2, 3], [1, 0, -1, 2, 2, 2]),
        });

        float[] expected = [1 - 3 + 0.5f, 4 - 6 - 0.5f, 12 + 0.5f, 30 - 0.5f];
        Assert.Equal(expected, outputs[y.Name].Data);
    }

    [Fact]
    public void Mlp_RunsInOnnxRuntime_MatchesReferenceMath()
    {
        var w1 = Ort.Random(1, 16, 8).Data;
        var b1 = Ort.Random(2, 16).Data;
        var w2 = Ort.Random(3, 4, 16).Data;
        var b2 = Ort.Random(4, 4).Data;
        var b = new GraphBuilder("mlp");
        var x = b.AddInput("x", ElementType.Float, "batch", 8);
        var h = b.Relu(b.Linear(x, b.AddInitializer("w1", [16, 8], w1), b.AddInitializer("b1", [16], b1)));
        var y = b.Linear(h, b.AddInitializer("w2", [4, 16], w2), b.AddInitializer("b2", [4], b2));
        b.AddOutput(y, ElementType.Float, ["batch", 4]);
        var input = Ort.Random(5, 5, 8);

        var actual = Ort.Run(OnnxModelIO.ToBytes(b.ToModel()), new Dictionary<string, Ort.Tensor> { ["x"] = input });

        var hidden = ReferenceMath.Relu(ReferenceMath.Linear(input.Data, 5, 8, w1, b1, 16));
        var expected = ReferenceMath.Linear(hidden, 5, 16, w2, b2, 4);
        Assert.Equal([5, 4], actual[y.Name].Shape);
        ReferenceMath.AssertClose(expected, actual[y.Name].Data, 1e-5f);
    }

    [Fact]
    public void ConvNet_RunsInOnnxRuntime_MatchesReferenceMath()
    {
        var (model, p) = BuildConvNet();
        var input = Ort.Random(20, 2, 3, 9, 9);

        var actual = Ort.Run(OnnxModelIO.ToBytes(model), new Dictionary<string, Ort.Tensor> { ["image"] = input });

        var c1 = ReferenceMath.Relu(ReferenceMath.Conv2d(input.Data, 2, 3, 9, 9, p.K1, p.B1, 4, 3, 1, 1, out var h1, out var w1));
        var c2 = ReferenceMath.Relu(ReferenceMath.Conv2d(c1, 2, 4, h1, w1, p.K2, p.B2, 6, 3, 2, 1, out var h2, out var w2));
        var pooled = ReferenceMath.GlobalAveragePool(c2, 2, 6, h2, w2);
        var expected = ReferenceMath.Linear(pooled, 2, 6, p.W, p.B, 3);
        var output = actual[model.Graph.Output[0].Name];
        Assert.Equal([2, 3], output.Shape);
        ReferenceMath.AssertClose(expected, output.Data, 1e-4f);
    }

    [Fact]
    public void BuilderModels_PassReferenceChecker()
    {
        using var folder = new TempFolder();
        var mlp = new GraphBuilder("mlp");
        var x = mlp.AddInput("x", ElementType.Float, "batch", 8);
        var y = mlp.Relu(mlp.Linear(x, mlp.AddInitializer("w", [4, 8], Ort.Random(1, 4, 8).Data),
            mlp.AddInitializer("b", [4], Ort.Random(2, 4).Data)));
        mlp.AddOutput(y, ElementType.Float, ["batch", 4]);
        OnnxModelIO.Save(mlp.ToModel(), folder.File("mlp.onnx"));
        OnnxModelIO.Save(BuildConvNet().Model, folder.File("convnet.onnx"));

        OnnxChecker.AssertValid(folder.File("mlp.onnx"), folder.File("convnet.onnx"));
    }

    [Fact]
    public void Inline_TwoInstances_RenamesInternalsAndRuns()
    {
        var block = new GraphBuilder("block");
        var input = block.AddInput("in", ElementType.Float, 2);
        var doubled = block.Mul(input, block.Scalar(2f, "two"));
        block.AddOutput(block.Relu(doubled), ElementType.Float, [2]);
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, 2);

        var first = b.Inline(block.Graph, [x], "a.")[0];
        var second = b.Inline(block.Graph, [first], "b.")[0];
        b.AddOutput(second, ElementType.Float, [2]);

        Assert.Equal(2, b.Graph.Initializer.Count);
        Assert.NotEqual(b.Graph.Initializer[0].Name, b.Graph.Initializer[1].Name);
        Assert.Empty(GraphValidator.Validate(b.ToModel()));
        var outputs = Ort.Run(OnnxModelIO.ToBytes(b.ToModel()), new Dictionary<string, Ort.Tensor>
        {
            ["x"] = new([2], [1.5f, -1f]),
        });
        Assert.Equal([6f, 0f], outputs[second.Name].Data);
    }

    [Fact]
    public void UniqueName_TakenHint_AppendsSuffix()
    {
        var b = new GraphBuilder();
        b.AddInput("x", ElementType.Float, 1);

        var first = b.UniqueName("x");
        var second = b.UniqueName("x");

        Assert.NotEqual("x", first);
        Assert.NotEqual(first, second);
        Assert.Throws<ArgumentException>(() => b.AddInput("x", ElementType.Float, 1));
    }

    internal sealed record ConvParameters(float[] K1, float[] B1, float[] K2, float[] B2, float[] W, float[] B);

    internal static (ModelProto Model, ConvParameters Parameters) BuildConvNet()
    {
        var p = new ConvParameters(
            Ort.Random(11, 4, 3, 3, 3).Data, Ort.Random(12, 4).Data,
            Ort.Random(13, 6, 4, 3, 3).Data, Ort.Random(14, 6).Data,
            Ort.Random(15, 3, 6).Data, Ort.Random(16, 3).Data);
        var b = new GraphBuilder("convnet");
        var x = b.AddInput("image", ElementType.Float, "batch", 3, 9, 9);
        var c1 = b.Relu(b.Conv(x, b.AddInitializer("k1", [4, 3, 3, 3], p.K1), b.AddInitializer("b1", [4], p.B1),
            pads: [1, 1, 1, 1]));
        var c2 = b.Relu(b.Conv(c1, b.AddInitializer("k2", [6, 4, 3, 3], p.K2), b.AddInitializer("b2", [6], p.B2),
            strides: [2, 2], pads: [1, 1, 1, 1]));
        var pooled = b.Node("Flatten", [b.Node("GlobalAveragePool", [c2])], Attr.Int("axis", 1));
        var logits = b.Linear(pooled, b.AddInitializer("w", [3, 6], p.W), b.AddInitializer("b", [3], p.B));
        b.AddOutput(logits, ElementType.Float, ["batch", 3]);
        return (b.ToModel(), p);
    }
}
