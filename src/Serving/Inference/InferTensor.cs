using Microsoft.ML.OnnxRuntime.Tensors;

namespace MtlOnnx.Serving.Inference;

/// <summary>
/// A tensor on its way into or out of a model: numeric elements as little-endian bytes in row-major order, or
/// string elements as UTF-8 byte strings. The memory may be a view into a request or a batch buffer: it is not
/// copied, and it must not change while the tensor is in use.
/// </summary>
internal sealed class InferTensor
{
    private InferTensor(string name, TensorElementType type, long[] shape, ReadOnlyMemory<byte> data,
        ReadOnlyMemory<byte>[]? strings)
    {
        Name = name;
        ElementType = type;
        Shape = shape;
        Data = data;
        Strings = strings;
    }

    /// <summary>Gets the tensor's name.</summary>
    public string Name { get; }

    /// <summary>Gets the element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Gets the shape.</summary>
    public long[] Shape { get; }

    /// <summary>Gets the numeric elements as bytes; empty for string tensors.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the string elements, or <see langword="null"/> for numeric tensors.</summary>
    public ReadOnlyMemory<byte>[]? Strings { get; }

    /// <summary>Gets the number of elements.</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var dim in Shape)
            {
                count *= dim;
            }

            return count;
        }
    }

    /// <summary>Creates a numeric tensor over existing bytes.</summary>
    /// <param name="name">The name.</param>
    /// <param name="type">The element type; not string.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="data">The elements, exactly element count times element size bytes.</param>
    /// <returns>The tensor.</returns>
    public static InferTensor Numeric(string name, TensorElementType type, long[] shape, ReadOnlyMemory<byte> data) =>
        new(name, type, shape, data, null);

    /// <summary>Creates a string tensor.</summary>
    /// <param name="name">The name.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="elements">The UTF-8 elements, one per element of the shape.</param>
    /// <returns>The tensor.</returns>
    public static InferTensor FromStrings(string name, long[] shape, ReadOnlyMemory<byte>[] elements) =>
        new(name, TensorElementType.String, shape, ReadOnlyMemory<byte>.Empty, elements);

    /// <summary>Returns a tensor with the same elements under another name.</summary>
    /// <param name="name">The new name.</param>
    /// <returns>The renamed tensor.</returns>
    public InferTensor WithName(string name) => new(name, ElementType, Shape, Data, Strings);
}
