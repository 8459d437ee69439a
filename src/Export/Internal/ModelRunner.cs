using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Runs a serialized model in ONNX Runtime on the CPU with managed tensors, for verification and metric checks.
/// </summary>
internal sealed class ModelRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    /// <summary>Loads a model.</summary>
    /// <exception cref="ExportException">ONNX Runtime cannot load the model.</exception>
    public ModelRunner(byte[] model, string description, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level };
        options.IntraOpNumThreads = 1;
        try
        {
            _session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ExportException($"ONNX Runtime cannot load {description}: {ex.Message}", ex);
        }
    }

    /// <summary>Gets the session's input names.</summary>
    public IReadOnlyList<string> InputNames => _session.InputNames;

    /// <summary>Gets the session's output names.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Runs the model and returns the requested outputs.</summary>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, data) in inputs)
            {
                names.Add(name);
                values.Add(ToOrtValue(name, data));
            }

            using var results = _session.Run(_runOptions, names, values, outputs);
            var map = new Dictionary<string, TensorData>(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Count; i++)
            {
                map[outputs[i]] = FromOrtValue(results[i]);
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

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private OrtValue ToOrtValue(string name, TensorData data)
    {
        var declared = _session.InputMetadata.TryGetValue(name, out var meta) ? meta.ElementDataType : TensorElementType.Float;
        return declared switch
        {
            TensorElementType.Float when data.Floats is not null => OrtValue.CreateTensorValueFromMemory(data.Floats, data.Shape),
            TensorElementType.Float16 when data.Floats is not null => OrtValue.CreateTensorValueFromMemory(
                Array.ConvertAll(data.Floats, v => (Float16)v), data.Shape),
            TensorElementType.Int64 when data.Int64s is not null => OrtValue.CreateTensorValueFromMemory(data.Int64s, data.Shape),
            TensorElementType.Int32 when data.Int64s is not null => OrtValue.CreateTensorValueFromMemory(
                Array.ConvertAll(data.Int64s, v => (int)v), data.Shape),
            TensorElementType.Bool when data.Int64s is not null => OrtValue.CreateTensorValueFromMemory(
                Array.ConvertAll(data.Int64s, v => v != 0), data.Shape),
            _ => throw new ExportException(
                $"Input '{name}' is declared as {declared}, which the given tensor ({ElementTypes.Name(data.Type)}) " +
                "cannot feed."),
        };
    }

    private static TensorData FromOrtValue(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        return info.ElementDataType switch
        {
            TensorElementType.Float => TensorData.Create(
                ElementType.Float, shape, value.GetTensorDataAsSpan<float>().ToArray(), null),
            TensorElementType.Float16 => TensorData.Create(
                ElementType.Float16, shape, ToFloats(value.GetTensorDataAsSpan<Float16>()), null),
            TensorElementType.Double => TensorData.Create(
                ElementType.Double, shape, Array.ConvertAll(value.GetTensorDataAsSpan<double>().ToArray(), v => (float)v), null),
            TensorElementType.Int64 => TensorData.Create(
                ElementType.Int64, shape, null, value.GetTensorDataAsSpan<long>().ToArray()),
            TensorElementType.Int32 => TensorData.Create(
                ElementType.Int32, shape, null, Array.ConvertAll(value.GetTensorDataAsSpan<int>().ToArray(), v => (long)v)),
            TensorElementType.Bool => TensorData.Create(
                ElementType.Bool, shape, null, Array.ConvertAll(value.GetTensorDataAsSpan<bool>().ToArray(), v => v ? 1L : 0L)),
            _ => throw new ExportException($"Outputs of type {info.ElementDataType} cannot be compared."),
        };
    }

    private static float[] ToFloats(ReadOnlySpan<Float16> values)
    {
        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (float)values[i];
        }

        return result;
    }
}
