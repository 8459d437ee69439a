using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Optimizers.Internal;

/// <summary>
/// Adds constant initializers under fresh names. The initializer goes straight into the graph after
/// <see cref="GraphBuilder.UniqueName"/> has reserved its name, which works whether or not the builder's own
/// constant helpers reserve the name a second time.
/// </summary>
internal static class GraphConstants
{
    public static GraphValue Float(GraphBuilder b, float value, string hint) =>
        Add(b, TensorProtos.FromFloats(b.UniqueName(hint), [], [value]));

    public static GraphValue Double(GraphBuilder b, double value, string hint) =>
        Add(b, TensorProtos.Create(b.UniqueName(hint), ElementType.Double, [], [value]));

    public static GraphValue Int64(GraphBuilder b, long value, string hint) =>
        Add(b, TensorProtos.FromInt64s(b.UniqueName(hint), [], [value]));

    public static GraphValue Int64s(GraphBuilder b, ReadOnlySpan<long> values, string hint) =>
        Add(b, TensorProtos.FromInt64s(b.UniqueName(hint), [values.Length], values));

    private static GraphValue Add(GraphBuilder b, TensorProto tensor)
    {
        b.Graph.Initializer.Add(tensor);
        return new GraphValue(tensor.Name);
    }
}
