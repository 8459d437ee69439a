using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Tests.Autodiff.Support;

/// <summary>Runs a model in an ONNX Runtime CPU session and returns outputs as host tensors.</summary>
internal sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;

    public OrtRunner(ModelProto model, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = level,
            IntraOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(OnnxModelIO.ToBytes(model), options);
    }

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    public Dictionary<string, TestTensor> Run(IReadOnlyDictionary<string, TestTensor> inputs, IReadOnlyList<string>? outputs = null)
    {
        var names = outputs ?? _session.OutputNames;
        var values = new List<OrtValue>();
        try
        {
            foreach (var (_, tensor) in inputs)
            {
                values.Add(tensor.Type switch
                {
                    ElementType.Float => OrtValue.CreateTensorValueFromMemory((float[])tensor.Data, tensor.Shape),
                    ElementType.Int64 => OrtValue.CreateTensorValueFromMemory((long[])tensor.Data, tensor.Shape),
                    ElementType.Bool => OrtValue.CreateTensorValueFromMemory((bool[])tensor.Data, tensor.Shape),
                    var t => throw new NotSupportedException($"Input type {t} is not supported by the test runner."),
                });
            }

            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, inputs.Keys.ToArray(), values, names.ToArray());
            var map = new Dictionary<string, TestTensor>(StringComparer.Ordinal);
            for (var i = 0; i < names.Count; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                var shape = info.Shape;
                map[names[i]] = info.ElementDataType switch
                {
                    TensorElementType.Float => TestTensor.Floats(shape, results[i].GetTensorDataAsSpan<float>().ToArray()),
                    TensorElementType.Int64 => TestTensor.Int64s(shape, results[i].GetTensorDataAsSpan<long>().ToArray()),
                    TensorElementType.Bool => TestTensor.Bools(shape, results[i].GetTensorDataAsSpan<bool>().ToArray()),
                    var t => throw new NotSupportedException($"Output '{names[i]}' has type {t}."),
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

    public void Dispose() => _session.Dispose();
}
