using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Creates the sample tensors that probes and verification feed to a graph: standard-normal floats, and zeros for
/// integer and boolean inputs, since those are usually indices (token ids) for which zero is always valid.
/// </summary>
internal static class SampleInputs
{
    /// <summary>Creates a sample tensor. The returned value must be disposed.</summary>
    /// <exception cref="ExportException">The element type cannot be sampled.</exception>
    public static OrtValue Create(ElementType type, long[] shape, Random random)
    {
        var count = checked((int)TensorProtos.ElementCount(shape));
        return type switch
        {
            ElementType.Float => OrtValue.CreateTensorValueFromMemory(Normal(random, count), shape),
            ElementType.Double => OrtValue.CreateTensorValueFromMemory(
                Array.ConvertAll(Normal(random, count), v => (double)v), shape),
            ElementType.Int64 => OrtValue.CreateTensorValueFromMemory(new long[count], shape),
            ElementType.Int32 => OrtValue.CreateTensorValueFromMemory(new int[count], shape),
            ElementType.Bool => OrtValue.CreateTensorValueFromMemory(new bool[count], shape),
            ElementType.UInt8 => OrtValue.CreateTensorValueFromMemory(new byte[count], shape),
            _ => throw new ExportException(
                $"Cannot create a sample input of type {ElementTypes.Name(type)}; graph inputs must be float, " +
                "double, int64, int32, uint8 or bool."),
        };
    }

    /// <summary>Draws standard-normal floats with the Box-Muller transform.</summary>
    public static float[] Normal(Random random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return values;
    }
}
