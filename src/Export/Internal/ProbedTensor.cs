using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// What two probe runs of a graph, at different sizes of its symbolic dimensions, saw of one tensor.
/// </summary>
/// <param name="Type">The element type.</param>
/// <param name="First">The shape in the first run.</param>
/// <param name="Second">The shape in the second run.</param>
internal sealed record ProbedTensor(ElementType Type, long[] First, long[] Second)
{
    /// <summary>Gets the tensor's elements in the first run, when they were asked for.</summary>
    public TensorProto? Value { get; init; }

    /// <summary>Gets the tensor's elements in the second run, when they were asked for.</summary>
    public TensorProto? SecondValue { get; init; }

    /// <summary>Gets whether both runs computed the same elements.</summary>
    public bool IsValueStatic =>
        Value is not null && SecondValue is not null && IsShapeStatic && Value.RawData.Equals(SecondValue.RawData);

    /// <summary>Gets whether the shape was the same in both runs, and so does not follow the symbolic sizes.</summary>
    public bool IsShapeStatic => First.AsSpan().SequenceEqual(Second);

    /// <summary>Gets the rank.</summary>
    public int Rank => First.Length;
}
