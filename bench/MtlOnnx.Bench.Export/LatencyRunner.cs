using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Export.Tests;
using MtlOnnx.Onnx;

namespace MtlOnnx.Bench.Export;

/// <summary>
/// Holds one ONNX Runtime session per model with its inputs prepared, and times them in interleaved rounds so that
/// drift of the machine's load affects every model alike.
/// </summary>
internal sealed class LatencyRunner : IDisposable
{
    private readonly List<InferenceSession> _sessions = [];
    private readonly List<string> _names = [];
    private readonly TestModel _model;
    private readonly RunOptions _runOptions = new();

    public LatencyRunner(IReadOnlyList<(string Name, byte[] Bytes)> models, TestModel model)
    {
        _model = model;
        foreach (var (name, bytes) in models)
        {
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
            };
            _sessions.Add(new InferenceSession(bytes, options));
            _names.Add(name);
        }
    }

    /// <summary>Prints the largest difference of each model's task outputs from the eval graph's.</summary>
    public void CheckAgreement(TextWriter output)
    {
        var reference = Outputs(0, 8);
        for (var i = 1; i < _sessions.Count; i++)
        {
            var outputs = Outputs(i, 8);
            var difference = reference.Zip(outputs).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
            output.WriteLine($"{_names[i]}: largest output difference from the eval graph {difference:E2}");
        }
    }

    /// <summary>Returns the median latency in microseconds of each model at one batch size.</summary>
    public double[] Measure(int batch, int rounds, int iterationsPerRound)
    {
        var samples = _sessions.Select(_ => new List<double>()).ToArray();
        var feeds = Enumerable.Range(0, _sessions.Count).Select(i => Feeds(i, batch)).ToArray();
        try
        {
            for (var i = 0; i < _sessions.Count; i++)
            {
                for (var w = 0; w < 5; w++)
                {
                    RunOnce(i, feeds[i]);
                }
            }

            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < _sessions.Count; i++)
                {
                    for (var k = 0; k < iterationsPerRound; k++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        RunOnce(i, feeds[i]);
                        samples[i].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                }
            }
        }
        finally
        {
            foreach (var feed in feeds)
            {
                foreach (var value in feed.Values)
                {
                    value.Dispose();
                }
            }
        }

        return samples.Select(Median).ToArray();
    }

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        _runOptions.Dispose();
    }

    private void RunOnce(int index, (List<string> Names, List<OrtValue> Values) feed)
    {
        using var results = _sessions[index].Run(_runOptions, feed.Names, feed.Values, TaskOutputs(index));
    }

    private List<float[]> Outputs(int index, int batch)
    {
        var feed = Feeds(index, batch);
        try
        {
            using var results = _sessions[index].Run(_runOptions, feed.Names, feed.Values, TaskOutputs(index));
            return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToList();
        }
        finally
        {
            foreach (var value in feed.Values)
            {
                value.Dispose();
            }
        }
    }

    // Exports name outputs after the tasks; the eval graph has the training graph's tensor names.
    private string[] TaskOutputs(int index) => _model.Tasks
        .Select(t => _sessions[index].OutputMetadata.ContainsKey(t.Name) ? t.Name : t.SourceOutput)
        .ToArray();

    private (List<string> Names, List<OrtValue> Values) Feeds(int index, int batch)
    {
        var session = _sessions[index];
        var names = new List<string>();
        var values = new List<OrtValue>();
        foreach (var (name, meta) in session.InputMetadata)
        {
            names.Add(name);
            if (name == _model.InputName)
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(_model.SampleBatch(batch, seed: 5), _model.BatchShape(batch)));
            }
            else if (_model.Parameters.TryGetValue(name, out var parameter))
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(TensorProtos.ToArray<float>(parameter), parameter.Dims.ToArray()));
            }
            else if (meta.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64)
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(new long[batch], [batch]));
            }
            else
            {
                values.Add(OrtValue.CreateTensorValueFromMemory(new float[batch], [batch, 1]));
            }
        }

        return (names, values);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
