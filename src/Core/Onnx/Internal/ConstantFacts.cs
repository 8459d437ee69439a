using System.Runtime.InteropServices;

namespace MtlOnnx.Onnx.Internal;

/// <summary>Reads what shape inference needs from constant tensors: type, shape and, for small ones, values.</summary>
internal static class ConstantFacts
{
    /// <summary>Gets the facts of a tensor.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The facts; values only for small tensors held in the file.</returns>
    public static TensorFacts FromTensor(TensorProto tensor)
    {
        var type = (ElementType)tensor.DataType;
        var shape = tensor.Dims.Select(d => d >= 0 ? Dim.Fixed(d) : Dim.Unknown).ToArray();
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            return new TensorFacts(type, shape);
        }

        try
        {
            var count = TensorProtos.ElementCount(tensor.Dims.ToArray());
            if (count > TensorFacts.MaxTrackedValues || tensor.Dims.Count > 1)
            {
                return new TensorFacts(type, shape, Constant: tensor);
            }

            return type switch
            {
                ElementType.Int64 or ElementType.Int32 => new TensorFacts(
                    type, shape, ToInt64s(tensor)!.Select(SymInt.Of).ToArray(), Constant: tensor),
                ElementType.Float or ElementType.Double or ElementType.Float16 => new TensorFacts(
                    type, shape, Floats: ToDoubles(tensor), Constant: tensor),
                _ => new TensorFacts(type, shape, Constant: tensor),
            };
        }
        catch (Exception ex) when (ex is ModelFormatException or ArgumentException or OverflowException)
        {
            // Data that does not match its shape is the validator's business; here it only means "value unknown".
            return new TensorFacts(type, shape);
        }
    }

    /// <summary>Reads the elements of an integer or boolean tensor as 64-bit integers.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The elements, or <see langword="null"/> for other element types.</returns>
    /// <exception cref="ModelFormatException">The data does not match the tensor's shape.</exception>
    public static long[]? ToInt64s(TensorProto tensor) => (ElementType)tensor.DataType switch
    {
        ElementType.Int64 => TensorProtos.ToArray<long>(tensor),
        ElementType.Int32 => TensorProtos.ToArray<int>(tensor).Select(v => (long)v).ToArray(),
        ElementType.Bool or ElementType.UInt8 => ReadBytes(tensor).Select(v => (long)v).ToArray(),
        ElementType.Int8 => ReadBytes(tensor).Select(v => (long)(sbyte)v).ToArray(),
        _ => null,
    };

    /// <summary>Reads the elements of a numeric tensor as doubles.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <returns>The elements, or <see langword="null"/> for non-numeric element types.</returns>
    /// <exception cref="ModelFormatException">The data does not match the tensor's shape.</exception>
    public static double[]? ToDoubles(TensorProto tensor) => (ElementType)tensor.DataType switch
    {
        ElementType.Float => TensorProtos.ToArray<float>(tensor).Select(v => (double)v).ToArray(),
        ElementType.Double => TensorProtos.ToArray<double>(tensor),
        ElementType.Float16 => ReadHalves(tensor),
        _ => ToInt64s(tensor)?.Select(v => (double)v).ToArray(),
    };

    // One-byte elements are read directly: the generic reader sizes bool by its marshalled size (4 bytes).
    private static byte[] ReadBytes(TensorProto tensor) =>
        tensor.RawData.IsEmpty ? tensor.Int32Data.Select(v => (byte)v).ToArray() : tensor.RawData.ToByteArray();

    private static double[] ReadHalves(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, Half>(tensor.RawData.Span).ToArray().Select(h => (double)h).ToArray();
        }

        // Typed float16 data sits in int32_data, one 16-bit pattern per element.
        return tensor.Int32Data.Select(bits => (double)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray();
    }
}
