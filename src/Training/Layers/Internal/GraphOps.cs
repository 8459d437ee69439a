using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Layers.Internal;

/// <summary>
/// Operators whose signature changed between opsets (reductions take <c>axes</c> as an input from opset 18, as an
/// attribute before), emitted in the form the builder's opset expects.
/// </summary>
internal static class GraphOps
{
    /// <summary>Returns a name the graph does not use yet, without reserving it (the caller's add reserves it).</summary>
    public static string FreshName(GraphBuilder b, string hint)
    {
        if (!b.IsNameTaken(hint))
        {
            return hint;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{hint}_{i}";
            if (!b.IsNameTaken(candidate))
            {
                return candidate;
            }
        }
    }

    public static GraphValue Scalar(GraphBuilder b, float value, string hint) =>
        b.AddInitializer(TensorProtos.FromFloats(FreshName(b, hint), [], [value]));

    public static GraphValue Int64s(GraphBuilder b, ReadOnlySpan<long> values, string hint) =>
        b.AddInitializer(TensorProtos.FromInt64s(FreshName(b, hint), [values.Length], values));

    public static GraphValue Reshape(GraphBuilder b, GraphValue x, params ReadOnlySpan<long> shape) =>
        b.Node("Reshape", [x, Int64s(b, shape, "shape")]);

    public static GraphValue ReduceSum(GraphBuilder b, GraphValue x, long[] axes, bool keepDims) =>
        b.Node("ReduceSum", [x, Int64s(b, axes, "axes")], Attr.Int("keepdims", keepDims ? 1 : 0));

    public static GraphValue ReduceMean(GraphBuilder b, GraphValue x, long[] axes, bool keepDims) =>
        Reduce(b, "ReduceMean", x, axes, keepDims);

    public static GraphValue ReduceMax(GraphBuilder b, GraphValue x, long[] axes, bool keepDims) =>
        Reduce(b, "ReduceMax", x, axes, keepDims);

    public static GraphValue Unsqueeze(GraphBuilder b, GraphValue x, params long[] axes) =>
        b.Node("Unsqueeze", [x, Int64s(b, axes, "axes")]);

    public static GraphValue Squeeze(GraphBuilder b, GraphValue x, params long[] axes) =>
        b.Node("Squeeze", [x, Int64s(b, axes, "axes")]);

    public static GraphValue Softmax(GraphBuilder b, GraphValue x, long axis = -1) =>
        b.Node("Softmax", [x], Attr.Int("axis", axis));

    public static GraphValue Cast(GraphBuilder b, GraphValue x, ElementType to) =>
        b.Node("Cast", [x], Attr.Int("to", (long)to));

    public static GraphValue BoolScalar(GraphBuilder b, bool value, string hint) =>
        b.AddInitializer(TensorProtos.Create<byte>(FreshName(b, hint), ElementType.Bool, [], [value ? (byte)1 : (byte)0]));

    private static GraphValue Reduce(GraphBuilder b, string op, GraphValue x, long[] axes, bool keepDims)
    {
        var keep = Attr.Int("keepdims", keepDims ? 1 : 0);
        if (b.Opset >= 18)
        {
            return b.Node(op, [x, Int64s(b, axes, "axes")], keep);
        }

        return b.Node(op, [x], Attr.Ints("axes", axes), keep);
    }
}
