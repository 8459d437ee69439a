using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// A tensor held in managed memory for feeding and comparing models: float elements, or int64 for indices and
/// labels.
/// </summary>
internal sealed class TensorData
{
    private TensorData(ElementType type, long[] shape, float[]? floats, long[]? int64s)
    {
        Type = type;
        Shape = shape;
        Floats = floats;
        Int64s = int64s;
    }

    /// <summary>Gets the element type as the model declares it.</summary>
    public ElementType Type { get; }

    /// <summary>Gets the shape.</summary>
    public long[] Shape { get; }

    /// <summary>Gets the elements as floats (float16 and double are converted), or <see langword="null"/>.</summary>
    public float[]? Floats { get; }

    /// <summary>Gets the elements as int64 (other integer and boolean types are widened), or <see langword="null"/>.</summary>
    public long[]? Int64s { get; }

    /// <summary>Creates a float tensor.</summary>
    public static TensorData FromFloats(long[] shape, float[] values) => new(ElementType.Float, shape, values, null);

    /// <summary>Creates an int64 tensor.</summary>
    public static TensorData FromInt64s(long[] shape, long[] values) => new(ElementType.Int64, shape, null, values);

    /// <summary>Creates a tensor of a given declared type from float or integer elements.</summary>
    public static TensorData Create(ElementType type, long[] shape, float[]? floats, long[]? int64s) =>
        new(type, shape, floats, int64s);

    /// <summary>Gets the elements as doubles, whatever their type.</summary>
    public double[] ToDoubles() =>
        Floats is not null ? Array.ConvertAll(Floats, v => (double)v) : Array.ConvertAll(Int64s!, v => (double)v);

    /// <summary>Gets the rows [start, start + count) of the leading dimension.</summary>
    public TensorData SliceRows(int start, int count)
    {
        var rowSize = Shape.Length == 0 ? 1 : (int)(TensorProtos.ElementCount(Shape) / Math.Max(1, Shape[0]));
        var shape = (long[])Shape.Clone();
        shape[0] = count;
        return new TensorData(
            Type,
            shape,
            Floats?.AsSpan(start * rowSize, count * rowSize).ToArray(),
            Int64s?.AsSpan(start * rowSize, count * rowSize).ToArray());
    }
}
