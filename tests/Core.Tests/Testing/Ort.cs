using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Testing;

/// <summary>Runs models in ONNX Runtime on the CPU and returns outputs as plain arrays.</summary>
internal static class Ort
{
    /// <summary>A float tensor: its shape and its elements.</summary>
    public sealed record Tensor(long[] Shape, float[] Data);

    /// <summary>Runs a model with float inputs and returns every requested output by name.</summary>
    public static Dictionary<string, Tensor> Run(
        byte[] model,
        IReadOnlyDictionary<string, Tensor> inputs,
        IReadOnlyList<string>? outputNames = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var names = outputNames ?? session.OutputNames;
        var values = inputs.Select(p => OrtValue.CreateTensorValueFromMemory(p.Value.Data, p.Value.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs.Keys.ToList(), values, names.ToList());
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var i = 0; i < names.Count; i++)
            {
                var info = outputs[i].GetTensorTypeAndShape();
                var data = info.ElementDataType == TensorElementType.Float
                    ? outputs[i].GetTensorDataAsSpan<float>().ToArray()
                    : [];
                result[names[i]] = new Tensor(info.Shape, data);
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Runs a model and returns the element type and shape of every requested output.</summary>
    public static Dictionary<string, (ElementType Type, long[] Shape)> Shapes(
        byte[] model,
        IReadOnlyDictionary<string, Tensor> inputs,
        IReadOnlyList<string> outputNames)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var values = inputs.Select(p => OrtValue.CreateTensorValueFromMemory(p.Value.Data, p.Value.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs.Keys.ToList(), values, outputNames.ToList());
            var result = new Dictionary<string, (ElementType, long[])>(StringComparer.Ordinal);
            for (var i = 0; i < outputNames.Count; i++)
            {
                var info = outputs[i].GetTensorTypeAndShape();

                // ORT numbers its element types as the ONNX specification does.
                result[outputNames[i]] = ((ElementType)(int)info.ElementDataType, info.Shape);
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Creates a tensor of uniform random values in [-1, 1) from a fixed seed.</summary>
    public static Tensor Random(int seed, params long[] shape)
    {
        var random = new Random(seed);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return new Tensor(shape, data);
    }

    /// <summary>Gets the ONNX element type name of a value for messages.</summary>
    public static string Describe(ElementType type) => ElementTypes.Name(type);
}
