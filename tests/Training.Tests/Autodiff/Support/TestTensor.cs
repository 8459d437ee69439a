using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Tests.Autodiff.Support;

/// <summary>A host tensor for tests: element type, shape and row-major data.</summary>
internal sealed record TestTensor(ElementType Type, long[] Shape, Array Data)
{
    public static TestTensor Floats(long[] shape, float[] data) => new(ElementType.Float, shape, data);

    public static TestTensor Int64s(long[] shape, long[] data) => new(ElementType.Int64, shape, data);

    public static TestTensor Bools(long[] shape, bool[] data) => new(ElementType.Bool, shape, data);

    public float[] FloatData => (float[])Data;

    public long Count => Shape.Aggregate(1L, (p, d) => p * d);

    /// <summary>Creates a float tensor of uniform values in [low, high) from a fixed seed.</summary>
    public static TestTensor Random(long[] shape, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var count = shape.Aggregate(1L, (p, d) => p * d);
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = low + ((high - low) * (float)random.NextDouble());
        }

        return Floats(shape, data);
    }

    public TestTensor WithFloat(int index, float value)
    {
        var copy = (float[])FloatData.Clone();
        copy[index] = value;
        return this with { Data = copy };
    }

    public static TestTensor FromProto(TensorProto proto)
    {
        var shape = proto.Dims.ToArray();
        return (ElementType)proto.DataType switch
        {
            ElementType.Float => Floats(shape, TensorProtos.ToArray<float>(proto)),
            ElementType.Int64 => Int64s(shape, TensorProtos.ToArray<long>(proto)),
            // TensorProtos.ToArray<bool> sizes bool by its marshalled size, so the bytes are read here.
            ElementType.Bool => Bools(shape, proto.RawData.IsEmpty
                ? proto.Int32Data.Select(v => v != 0).ToArray()
                : proto.RawData.Span.ToArray().Select(v => v != 0).ToArray()),
            var t => throw new NotSupportedException($"Tensor '{proto.Name}' has type {t}, which tests do not read."),
        };
    }
}
