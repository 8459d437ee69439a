using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>Reads the elements of constant tensors as 64-bit integers or doubles, whatever their stored type.</summary>
internal static class ConstantValues
{
    public static long[]? ToInt64s(TensorProto tensor) => (ElementType)tensor.DataType switch
    {
        ElementType.Int64 => TensorProtos.ToArray<long>(tensor),
        ElementType.Int32 => TensorProtos.ToArray<int>(tensor).Select(v => (long)v).ToArray(),
        ElementType.Bool or ElementType.UInt8 => ReadBytes(tensor).Select(v => (long)v).ToArray(),
        ElementType.Int8 => ReadBytes(tensor).Select(v => (long)(sbyte)v).ToArray(),
        _ => null,
    };

    public static double[]? ToDoubles(TensorProto tensor) => (ElementType)tensor.DataType switch
    {
        ElementType.Float => TensorProtos.ToArray<float>(tensor).Select(v => (double)v).ToArray(),
        ElementType.Double => TensorProtos.ToArray<double>(tensor),
        ElementType.Float16 => ReadHalves(tensor),
        _ => ToInt64s(tensor)?.Select(v => (double)v).ToArray(),
    };

    public static long ElementCount(TensorProto tensor) => TensorProtos.ElementCount(tensor.Dims.ToArray());

    /// <summary>
    /// Reads one-byte elements directly: the generic reader sizes bool by its marshalled size (4 bytes).
    /// </summary>
    private static byte[] ReadBytes(TensorProto tensor) =>
        tensor.RawData.IsEmpty ? tensor.Int32Data.Select(v => (byte)v).ToArray() : tensor.RawData.ToByteArray();

    private static double[] ReadHalves(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty)
        {
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(tensor.RawData.Span)
                .ToArray()
                .Select(h => (double)h)
                .ToArray();
        }

        // Typed float16 data sits in int32_data, one 16-bit pattern per element.
        return tensor.Int32Data.Select(bits => (double)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray();
    }
}
