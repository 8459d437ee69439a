using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace MtlOnnx.Onnx;

/// <summary>
/// Creates <see cref="TensorProto"/> values from spans and reads their elements back.
/// Data is always written to <c>raw_data</c> in little-endian order, as the ONNX specification requires.
/// </summary>
public static class TensorProtos
{
    /// <summary>Creates a tensor of any fixed-size element type from its elements.</summary>
    /// <typeparam name="T">The CLR element type; its size must match <paramref name="type"/>.</typeparam>
    /// <param name="name">The tensor name.</param>
    /// <param name="type">The ONNX element type.</param>
    /// <param name="dims">The shape.</param>
    /// <param name="values">The elements in row-major order.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="ArgumentException">The element count or size does not match the shape or type.</exception>
    public static TensorProto Create<T>(string name, ElementType type, ReadOnlySpan<long> dims, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != ElementTypes.SizeOf(type))
        {
            throw new ArgumentException(
                $"Tensor '{name}': a {typeof(T).Name} element cannot hold ONNX type {ElementTypes.Name(type)}.",
                nameof(values));
        }

        var count = ElementCount(dims);
        if (count != values.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}': the shape [{string.Join(", ", dims.ToArray())}] holds {count} elements, " +
                $"but {values.Length} were given.",
                nameof(values));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type };
        foreach (var dim in dims)
        {
            tensor.Dims.Add(dim);
        }

        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        return tensor;
    }

    /// <summary>Creates a float tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="dims">The shape.</param>
    /// <param name="values">The elements.</param>
    /// <returns>The tensor.</returns>
    public static TensorProto FromFloats(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values) =>
        Create(name, ElementType.Float, dims, values);

    /// <summary>Creates a 64-bit integer tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="dims">The shape.</param>
    /// <param name="values">The elements.</param>
    /// <returns>The tensor.</returns>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values) =>
        Create(name, ElementType.Int64, dims, values);

    /// <summary>Creates a scalar (rank 0) float tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="value">The value.</param>
    /// <returns>The tensor.</returns>
    public static TensorProto Scalar(string name, float value) => FromFloats(name, [], [value]);

    /// <summary>Gets the number of elements of a shape: the product of its dimensions, one for a scalar.</summary>
    /// <param name="dims">The shape.</param>
    /// <returns>The element count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="OverflowException">The count does not fit in 64 bits.</exception>
    public static long ElementCount(ReadOnlySpan<long> dims)
    {
        long count = 1;
        foreach (var dim in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim);
            count = checked(count * dim);
        }

        return count;
    }

    /// <summary>
    /// Reads the elements of a tensor whose data is held in the file (not external), from <c>raw_data</c>
    /// or from the typed fields.
    /// </summary>
    /// <typeparam name="T">The CLR element type matching the tensor's type.</typeparam>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The elements in row-major order.</returns>
    /// <exception cref="ModelFormatException">The data is missing, external or of the wrong size.</exception>
    public static T[] ToArray<T>(TensorProto tensor)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var type = (ElementType)tensor.DataType;
        var count = ElementCount(tensor.Dims.ToArray());
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' stores its data externally; load the model with its external data first.");
        }

        if (!tensor.RawData.IsEmpty)
        {
            var bytes = tensor.RawData.Span;
            if (bytes.Length != count * Unsafe.SizeOf<T>())
            {
                throw new ModelFormatException(
                    $"Tensor '{tensor.Name}' ({ElementTypes.Name(type)}, {count} elements) has {bytes.Length} bytes " +
                    $"of raw data, expected {count * Unsafe.SizeOf<T>()}.");
            }

            return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        }

        T[] result = typeof(T) switch
        {
            var t when t == typeof(float) => (T[])(object)tensor.FloatData.ToArray(),
            var t when t == typeof(double) => (T[])(object)tensor.DoubleData.ToArray(),
            var t when t == typeof(long) => (T[])(object)tensor.Int64Data.ToArray(),
            var t when t == typeof(int) => (T[])(object)tensor.Int32Data.ToArray(),
            var t when t == typeof(ulong) => (T[])(object)tensor.Uint64Data.ToArray(),
            var t when t == typeof(bool) => tensor.Int32Data.Select(v => v != 0).ToArray() is T[] b ? b : [],
            var t when t == typeof(byte) => tensor.Int32Data.Select(v => (byte)v).ToArray() is T[] u8 ? u8 : [],
            var t when t == typeof(sbyte) => tensor.Int32Data.Select(v => (sbyte)v).ToArray() is T[] i8 ? i8 : [],
            _ => throw new ModelFormatException(
                $"Tensor '{tensor.Name}': reading {ElementTypes.Name(type)} from typed fields is not supported."),
        };

        if (result.Length != count)
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' has {result.Length} elements, but its shape holds {count}.");
        }

        return result;
    }
}
