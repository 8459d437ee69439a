using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Tests.Autodiff.Support;

/// <summary>Builds one-node models for rule tests: float inputs, extra constant inputs, one output.</summary>
internal static class ModelFactory
{
    /// <summary>
    /// Creates a model with one node of <paramref name="opType"/> whose inputs are the given graph inputs (by
    /// name, or empty for an omitted optional one) and constants, and whose first output is the graph output.
    /// </summary>
    public static ModelProto Single(
        string opType,
        IReadOnlyList<(string Name, TestTensor Tensor)> inputs,
        IReadOnlyList<string> inputOrder,
        IReadOnlyDictionary<string, TensorProto>? constants = null,
        int opset = 17,
        int outputCount = 1,
        params AttributeProto[] attributes)
    {
        var b = new GraphBuilder("test", opset);
        foreach (var (name, tensor) in inputs)
        {
            b.AddInput(name, tensor.Type, tensor.Shape.Select(d => (Dim)d).ToArray());
        }

        foreach (var (name, tensor) in constants ?? new Dictionary<string, TensorProto>())
        {
            tensor.Name = name;
            b.AddInitializer(tensor);
        }

        var outputs = Enumerable.Range(0, outputCount).Select(i => i == 0 ? "y" : $"y{i}").ToArray();
        b.NewNode(opType, inputOrder, outputs, attributes: attributes);
        b.AddOutput(new GraphValue("y"), ElementType.Float);
        return b.ToModel();
    }

    public static Dictionary<string, TestTensor> Feed(IReadOnlyList<(string Name, TestTensor Tensor)> inputs) =>
        inputs.ToDictionary(i => i.Name, i => i.Tensor, StringComparer.Ordinal);

    /// <summary>Adds a float scalar initializer under a fresh name.</summary>
    public static GraphValue Scalar(GraphBuilder b, float value)
    {
        var tensor = TensorProtos.Scalar(b.UniqueName("scalar"), value);
        b.Graph.Initializer.Add(tensor);
        return new GraphValue(tensor.Name);
    }

    /// <summary>Adds a one-dimensional int64 initializer under a fresh name.</summary>
    public static GraphValue Int64s(GraphBuilder b, long[] values)
    {
        var tensor = TensorProtos.FromInt64s(b.UniqueName("ints"), [values.Length], values);
        b.Graph.Initializer.Add(tensor);
        return new GraphValue(tensor.Name);
    }
}
