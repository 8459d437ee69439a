using Microsoft.ML.OnnxRuntime.Tensors;

namespace MtlOnnx.Serving.Protocol;

/// <summary>
/// Maps the Open Inference Protocol's datatype strings ("FP32", "BYTES", ...), Triton's configuration enum and
/// ONNX Runtime's element types onto each other.
/// </summary>
internal static class Datatypes
{
    /// <summary>The protocol datatype of string tensors: each element is a byte string.</summary>
    public const string Bytes = "BYTES";

    /// <summary>Returns the protocol datatype of an ONNX Runtime element type.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>The datatype string, or <see langword="null"/> when the protocol has none.</returns>
    public static string? ToDatatype(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "BOOL",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.BFloat16 => "BF16",
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.String => Bytes,
        _ => null,
    };

    /// <summary>Returns the ONNX Runtime element type of a protocol datatype.</summary>
    /// <param name="datatype">The datatype string; case-sensitive, as the protocol says.</param>
    /// <param name="type">The element type.</param>
    /// <returns><see langword="true"/> when the datatype is known.</returns>
    public static bool TryParse(string datatype, out TensorElementType type)
    {
        type = datatype switch
        {
            "BOOL" => TensorElementType.Bool,
            "UINT8" => TensorElementType.UInt8,
            "UINT16" => TensorElementType.UInt16,
            "UINT32" => TensorElementType.UInt32,
            "UINT64" => TensorElementType.UInt64,
            "INT8" => TensorElementType.Int8,
            "INT16" => TensorElementType.Int16,
            "INT32" => TensorElementType.Int32,
            "INT64" => TensorElementType.Int64,
            "FP16" => TensorElementType.Float16,
            "BF16" => TensorElementType.BFloat16,
            "FP32" => TensorElementType.Float,
            "FP64" => TensorElementType.Double,
            Bytes => TensorElementType.String,
            _ => TensorElementType.DataTypeMax,
        };

        return type != TensorElementType.DataTypeMax;
    }

    /// <summary>Returns the size in bytes of one element, or 0 for strings.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>The element size.</returns>
    public static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 => 2,
        TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.UInt32 or TensorElementType.Int32 or TensorElementType.Float => 4,
        TensorElementType.UInt64 or TensorElementType.Int64 or TensorElementType.Double => 8,
        _ => 0,
    };

    /// <summary>Returns Triton's configuration type of an ONNX Runtime element type.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>The configuration type; <see cref="DataType.TypeInvalid"/> when there is none.</returns>
    public static DataType ToConfigType(TensorElementType type) => type switch
    {
        TensorElementType.Bool => DataType.TypeBool,
        TensorElementType.UInt8 => DataType.TypeUint8,
        TensorElementType.UInt16 => DataType.TypeUint16,
        TensorElementType.UInt32 => DataType.TypeUint32,
        TensorElementType.UInt64 => DataType.TypeUint64,
        TensorElementType.Int8 => DataType.TypeInt8,
        TensorElementType.Int16 => DataType.TypeInt16,
        TensorElementType.Int32 => DataType.TypeInt32,
        TensorElementType.Int64 => DataType.TypeInt64,
        TensorElementType.Float16 => DataType.TypeFp16,
        TensorElementType.BFloat16 => DataType.TypeBf16,
        TensorElementType.Float => DataType.TypeFp32,
        TensorElementType.Double => DataType.TypeFp64,
        TensorElementType.String => DataType.TypeString,
        _ => DataType.TypeInvalid,
    };

    /// <summary>Returns the name of a configuration type as config.pbtxt writes it (<c>TYPE_FP32</c>).</summary>
    /// <param name="type">The configuration type.</param>
    /// <returns>The name.</returns>
    public static string ConfigName(DataType type) =>
        ModelConfigReflection.Descriptor.EnumTypes[0].FindValueByNumber((int)type)?.Name ?? type.ToString();
}
