using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Tests.Support;

/// <summary>Runs a built forward graph in ONNX Runtime on a seeded random batch.</summary>
internal static class ForwardRunner
{
    public static Dictionary<string, float[]> Run(
        MultiTaskModel model,
        int batch,
        int seed,
        int vocabulary = 50,
        Action<string, float[]>? overrideFloat = null,
        IReadOnlyList<string>? extraOutputs = null)
    {
        var random = new SeededRandom((ulong)seed);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in model.Inputs)
            {
                var shape = new[] { (long)batch }.Concat(input.Shape).ToArray();
                var count = (int)TensorProtos.ElementCount(shape);
                names.Add(input.Name);
                if (input.Type == ElementType.Int64)
                {
                    var data = new long[count];
                    for (var i = 0; i < count; i++)
                    {
                        // Attention masks end each row with two padding positions; token ids are random.
                        var isMask = input.Name == ModelInput.AttentionMaskName;
                        data[i] = isMask ? (i % shape[1] < shape[1] - 2 ? 1 : 0) : random.NextInt(vocabulary);
                    }

                    values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                }
                else
                {
                    var data = new float[count];
                    for (var i = 0; i < count; i++)
                    {
                        data[i] = (float)random.Normal();
                    }

                    overrideFloat?.Invoke(input.Name, data);

                    values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                }
            }

            foreach (var task in model.Tasks)
            {
                names.Add(task.MaskName);
                var mask = Enumerable.Range(0, batch).Select(i => i == 0 ? 0f : 1f).ToArray();
                overrideFloat?.Invoke(task.MaskName, mask);
                values.Add(OrtValue.CreateTensorValueFromMemory(mask, [batch]));
                names.Add(task.LabelName);
                var shape = new[] { (long)batch }.Concat(task.LabelShape).ToArray();
                var count = (int)TensorProtos.ElementCount(shape);
                if (task.LabelType == ElementType.Int64)
                {
                    var labels = Enumerable.Range(0, count).Select(_ => (long)random.NextInt(task.Task.OutputCount)).ToArray();
                    values.Add(OrtValue.CreateTensorValueFromMemory(labels, shape));
                }
                else
                {
                    var targets = Enumerable.Range(0, count)
                        .Select(_ => task.Task.Kind == TaskKind.Regression ? (float)random.Normal() : random.NextInt(2))
                        .Select(v => (float)v).ToArray();
                    overrideFloat?.Invoke(task.LabelName, targets);
                    values.Add(OrtValue.CreateTensorValueFromMemory(targets, shape));
                }
            }

            var forward = model.Forward.Clone();
            foreach (var extra in extraOutputs ?? [])
            {
                forward.Graph.Output.Add(new ValueInfoProto { Name = extra });
            }

            var outputs = forward.Graph.Output.Select(o => o.Name).ToArray();
            using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(OnnxModelIO.ToBytes(forward), options);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputs);
            var map = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Length; i++)
            {
                map[outputs[i]] = results[i].GetTensorDataAsSpan<float>().ToArray();
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
}
