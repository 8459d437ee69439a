namespace MtlOnnx.Onnx;

/// <summary>
/// Facts about <see cref="ElementType"/> values: their size in bytes and their names.
/// </summary>
public static class ElementTypes
{
    /// <summary>
    /// Gets the size in bytes of one element of <paramref name="type"/>.
    /// </summary>
    /// <param name="type">The element type.</param>
    /// <returns>The element size in bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The type has no fixed size (strings, undefined).</exception>
    public static int SizeOf(ElementType type) => type switch
    {
        ElementType.Float => 4,
        ElementType.UInt8 => 1,
        ElementType.Int8 => 1,
        ElementType.UInt16 => 2,
        ElementType.Int16 => 2,
        ElementType.Int32 => 4,
        ElementType.Int64 => 8,
        ElementType.Bool => 1,
        ElementType.Float16 => 2,
        ElementType.Double => 8,
        ElementType.UInt32 => 4,
        ElementType.UInt64 => 8,
        ElementType.BFloat16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "The element type has no fixed size."),
    };

    /// <summary>
    /// Gets whether <paramref name="type"/> is a floating-point type, the only types that carry gradients.
    /// </summary>
    /// <param name="type">The element type.</param>
    /// <returns><see langword="true"/> for float, double, float16 and bfloat16.</returns>
    public static bool IsFloatingPoint(ElementType type) =>
        type is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    /// <summary>
    /// Gets the lower-case name of <paramref name="type"/> as ONNX tools print it, for example <c>float</c>.
    /// </summary>
    /// <param name="type">The element type.</param>
    /// <returns>The name.</returns>
    public static string Name(ElementType type) => type switch
    {
        ElementType.Float => "float",
        ElementType.UInt8 => "uint8",
        ElementType.Int8 => "int8",
        ElementType.UInt16 => "uint16",
        ElementType.Int16 => "int16",
        ElementType.Int32 => "int32",
        ElementType.Int64 => "int64",
        ElementType.String => "string",
        ElementType.Bool => "bool",
        ElementType.Float16 => "float16",
        ElementType.Double => "double",
        ElementType.UInt32 => "uint32",
        ElementType.UInt64 => "uint64",
        ElementType.BFloat16 => "bfloat16",
        _ => $"type{(int)type}",
    };
}
