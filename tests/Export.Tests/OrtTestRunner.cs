using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

/// <summary>
/// Runs models in ONNX Runtime for the tests: exported models with their data input, eval graphs with the
/// parameters bound as inputs.
/// </summary>
internal static class OrtTestRunner
{
    /// <summary>Runs a model and returns every requested output as floats (integers are converted).</summary>
    public static Dictionary<string, float[]> Run(
        ModelProto model,
        IReadOnlyDictionary<string, (float[] Values, long[] Shape)> floatInputs,
        IReadOnlyDictionary<string, TensorProto>? parameters,
        IEnumerable<string> outputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(OnnxModelIO.ToBytes(model), options);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, (data, shape)) in floatInputs)
            {
                names.Add(name);
                values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
            }

            foreach (var (name, tensor) in parameters ?? new Dictionary<string, TensorProto>())
            {
                if (session.InputMetadata.ContainsKey(name))
                {
                    names.Add(name);
                    values.Add(OrtValue.CreateTensorValueFromMemory(TensorProtos.ToArray<float>(tensor), tensor.Dims.ToArray()));
                }
            }

            var outputNames = outputs.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var map = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (var i = 0; i < outputNames.Length; i++)
            {
                var type = results[i].GetTensorTypeAndShape().ElementDataType;
                map[outputNames[i]] = type switch
                {
                    Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 =>
                        Array.ConvertAll(results[i].GetTensorDataAsSpan<long>().ToArray(), v => (float)v),
                    _ => results[i].GetTensorDataAsSpan<float>().ToArray(),
                };
            }

            return map;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Asserts that two arrays agree within an absolute plus relative tolerance.</summary>
    public static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(expected[i] - actual[i]);
            Assert.True(
                difference <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (difference {difference:E2}, tolerance {tolerance:E0}).");
        }
    }
}
