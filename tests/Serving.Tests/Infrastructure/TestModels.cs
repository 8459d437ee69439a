using MtlOnnx.Onnx;

namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>Small ONNX models built with the graph builder, each exercising one part of the server.</summary>
internal static class TestModels
{
    /// <summary>
    /// x: FP32 [batch, 4] → y = x * scale + 1 (FP32 [batch, 4]) and s = the row sums of x (FP32 [batch]).
    /// </summary>
    public static byte[] Affine(float scale = 2f)
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 4);
        var scaled = b.Mul(x, b.AddInitializer("scale", [], [scale]));
        b.NewNode("Add", [scaled.Name, b.AddInitializer("one", [], [1f]).Name], ["y"]);
        b.NewNode("ReduceSum", [x.Name, b.AddInitializer("axes", [1], [1L]).Name], ["s"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("y"), ElementType.Float, ["batch", 4]);
        b.AddOutput(new GraphValue("s"), ElementType.Float, ["batch"]);
        return OnnxModelIO.ToBytes(b.ToModel());
    }

    /// <summary>The element types the typed model passes through, with their input names.</summary>
    public static readonly (string Name, ElementType Type)[] TypedInputs =
    [
        ("b", ElementType.Bool),
        ("u8", ElementType.UInt8),
        ("i8", ElementType.Int8),
        ("i16", ElementType.Int16),
        ("i32", ElementType.Int32),
        ("i64", ElementType.Int64),
        ("f16", ElementType.Float16),
        ("f32", ElementType.Float),
        ("f64", ElementType.Double),
    ];

    /// <summary>The element types that have a typed contents field (all but FP16 and BF16), with input names.</summary>
    public static readonly (string Name, ElementType Type)[] TypedFieldInputs =
    [
        ("b", ElementType.Bool),
        ("u8", ElementType.UInt8),
        ("u16", ElementType.UInt16),
        ("u32", ElementType.UInt32),
        ("u64", ElementType.UInt64),
        ("i8", ElementType.Int8),
        ("i16", ElementType.Int16),
        ("i32", ElementType.Int32),
        ("i64", ElementType.Int64),
        ("f32", ElementType.Float),
        ("f64", ElementType.Double),
    ];

    /// <summary>One input per element type, each [batch, 2], passed through by Identity to out_&lt;name&gt;.</summary>
    /// <param name="inputs">The inputs; <see cref="TypedInputs"/> when not given.</param>
    public static byte[] Typed(IReadOnlyList<(string Name, ElementType Type)>? inputs = null)
    {
        var b = new GraphBuilder();
        foreach (var (name, type) in inputs ?? TypedInputs)
        {
            var input = b.AddInput(name, type, "batch", 2);
            b.NewNode("Identity", [input.Name], ["out_" + name]);
            b.AddOutput(new GraphValue("out_" + name), type, ["batch", 2]);
        }

        return OnnxModelIO.ToBytes(b.ToModel());
    }

    /// <summary>text: BYTES [batch] → echo: BYTES [batch], unchanged.</summary>
    public static byte[] Strings()
    {
        var b = new GraphBuilder();
        var text = b.AddInput("text", ElementType.String, "batch");
        b.NewNode("Identity", [text.Name], ["echo"]);
        b.AddOutput(new GraphValue("echo"), ElementType.String, ["batch"]);
        return OnnxModelIO.ToBytes(b.ToModel());
    }

    /// <summary>x: FP32 [1, 3] with no batch dimension → r = Relu(x).</summary>
    public static byte[] Fixed()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, 1, 3);
        b.NewNode("Relu", [x.Name], ["r"]);
        b.AddOutput(new GraphValue("r"), ElementType.Float, [1, 3]);
        return OnnxModelIO.ToBytes(b.ToModel());
    }

    /// <summary>x: FP32 [batch, 256] → y: x multiplied by the identity matrix many times, slow on purpose.</summary>
    /// <param name="layers">The number of MatMul nodes.</param>
    public static byte[] Slow(int layers = 300)
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 256);
        var identity = new float[256 * 256];
        for (var i = 0; i < 256; i++)
        {
            identity[(i * 256) + i] = 1f;
        }

        var w = b.AddInitializer("w", [256, 256], identity);
        var h = x;
        for (var i = 0; i < layers; i++)
        {
            h = b.MatMul(h, w);
        }

        b.NewNode("Identity", [h.Name], ["y"]);
        b.AddOutput(new GraphValue("y"), ElementType.Float, ["batch", 256]);
        return OnnxModelIO.ToBytes(b.ToModel());
    }
}
