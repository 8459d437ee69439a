using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace MtlOnnx.Bench.Export;

/// <summary>
/// Times exported models as they are (for example one trained checkpoint at float32, float16 and INT8) at batch 1
/// and batch 64: one session per model with one intra-op thread, a seeded random float input of the model's first
/// input's shape, interleaved rounds, medians. The first model is the reference of the ratios.
/// </summary>
internal static class ExportedModelLatency
{
    private const int IterationsAtBatch1 = 20;
    private const int IterationsAtBatch64 = 3;

    public static void Run(IReadOnlyList<string> paths, int rounds, TextWriter output)
    {
        var sessions = new List<InferenceSession>();
        try
        {
            foreach (var path in paths)
            {
                using var options = new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    IntraOpNumThreads = 1,
                    InterOpNumThreads = 1,
                };
                sessions.Add(new InferenceSession(path, options));
            }

            var single = Measure(sessions, 1, rounds, IterationsAtBatch1);
            var batch64 = Measure(sessions, 64, rounds, IterationsAtBatch64);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ONNX Runtime {OrtEnv.Instance().GetVersionString()} CPU, one intra-op thread, ORT_ENABLE_ALL; " +
                $"medians of {rounds} interleaved rounds."));
            output.WriteLine();
            output.WriteLine("| model | bytes | batch 1 (µs) | vs first | batch 64 (µs) | vs first |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|");
            for (var i = 0; i < paths.Count; i++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {paths[i]} | {new FileInfo(paths[i]).Length} | {single[i]:F1} | {single[i] / single[0]:F2} | " +
                    $"{batch64[i]:F1} | {batch64[i] / batch64[0]:F2} |"));
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    private static double[] Measure(List<InferenceSession> sessions, int batch, int rounds, int iterations)
    {
        var inputs = sessions.Select(s => Input(s, batch)).ToArray();
        var samples = sessions.Select(_ => new List<double>()).ToArray();
        using var runOptions = new RunOptions();
        try
        {
            for (var round = -1; round < rounds; round++)
            {
                for (var i = 0; i < sessions.Count; i++)
                {
                    var watch = Stopwatch.StartNew();
                    for (var k = 0; k < iterations; k++)
                    {
                        using var results = sessions[i].Run(
                            runOptions, [inputs[i].Name], [inputs[i].Value], sessions[i].OutputNames);
                    }

                    // Round -1 warms each session up and is not counted.
                    if (round >= 0)
                    {
                        samples[i].Add(watch.Elapsed.TotalMicroseconds / iterations);
                    }
                }
            }
        }
        finally
        {
            foreach (var (_, value) in inputs)
            {
                value.Dispose();
            }
        }

        return [.. samples.Select(s => s.Order().ElementAt(s.Count / 2))];
    }

    private static (string Name, OrtValue Value) Input(InferenceSession session, int batch)
    {
        var (name, metadata) = session.InputMetadata.First();
        var shape = metadata.Dimensions.Select(d => d < 0 ? batch : (long)d).ToArray();
        var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
        var random = new Random(17);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle();
        }

        return (name, OrtValue.CreateTensorValueFromMemory(values, shape));
    }
}
