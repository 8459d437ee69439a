using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Protocol.V1;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The serving benchmark: ModelInfer and Predict round trips against an in-process ONNX Runtime run of the same
/// batch and a bare gRPC echo of the same payload, all in one run; then throughput at concurrency 1, 16 and 64 with
/// dynamic batching off and on, server CPU per request, and h2load for raw load.
/// </summary>
internal static class BenchmarkMode
{
    public static async Task<int> RunAsync(int seconds, int samples, bool dense)
    {
        var root = Path.Combine(Path.GetTempPath(), "mtlonnx-bench-" + Guid.NewGuid().ToString("N"));
        BenchModels.WriteRepository(root, dense);
        var report = new StringBuilder();
        try
        {
            var pixels = new float[3 * BenchModels.Side * BenchModels.Side];
            new Random(3).NextBytes(MemoryMarshal.AsBytes(pixels.AsSpan()));
            for (var i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (i % 97) / 97f;
            }

            var infer = InferRequest(pixels);
            var png = ByteString.CopyFrom(BenchModels.Png());
            var echoPayload = new EchoMessage { Payload = ByteString.CopyFrom(new byte[infer.CalculateSize()]) };
            report.AppendLine(dense
                ? "Model: dense trunk (3072 → 1024 → 512, 14 MB of weights) and two heads."
                : "Model: convolutional trunk (16 and 32 channels, stride 2) and two heads.");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"Payload: ModelInfer request {infer.CalculateSize()} bytes (FP32 1×3×32×32), echo {echoPayload.CalculateSize()} bytes, Predict PNG {png.Length} bytes.");
            report.AppendLine();

            var ort = OrtLatency(root, pixels, samples);
            await using (var off = await ServerProcess.StartAsync(root, batching: false, delayMicroseconds: 0))
            {
                using var channel = Channel(off.GrpcPort);
                using var echoChannel = Channel(off.EchoPort);
                var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
                var typed = new MultiTask.MultiTaskClient(channel);
                var echo = new Echo.EchoClient(echoChannel);

                var echoLatency = await Latency.MeasureAsync(() => echo.EchoAsync(echoPayload).ResponseAsync, 500, samples);
                var inferLatency = await Latency.MeasureAsync(() => client.ModelInferAsync(infer).ResponseAsync, 500, samples);
                var predictLatency = await Latency.MeasureAsync(
                    () => typed.PredictAsync(new PredictRequest { Model = "shapes", Image = png }).ResponseAsync, 300, samples);
                report.AppendLine("### Latency at concurrency 1 (µs, client included, batching off)");
                report.AppendLine();
                report.AppendLine("| call | p50 | p99 | mean |");
                report.AppendLine("|---|---|---|---|");
                Row(report, "in-process ORT `Run`, batch 1", ort.Batch1);
                Row(report, "in-process ORT `Run`, batch 64", ort.Batch64);
                Row(report, "bare gRPC echo, same payload", echoLatency);
                Row(report, "ModelInfer (raw FP32)", inferLatency);
                Row(report, "Predict (PNG, server-side preprocessing)", predictLatency);
                var budget = echoLatency.P50 + ort.Batch1.P50 + 50;
                report.AppendLine();
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"Goal: ModelInfer p50 ≤ echo p50 + ORT p50 + 50 µs = {budget:0} µs; measured {inferLatency.P50:0} µs " +
                    $"({(inferLatency.P50 <= budget ? "met" : "not met")}).");
                report.AppendLine();
            }

            report.AppendLine("### Throughput (calls/s) and server CPU per call");
            report.AppendLine();
            report.AppendLine("| call | batching | c=1 | c=16 | c=64 | server CPU/call at c=64 | mean batch at c=64 |");
            report.AppendLine("|---|---|---|---|---|---|---|");
            var throughput = new Dictionary<(string, bool), double>();
            var h2load = new StringBuilder();
            foreach (var batching in new[] { false, true })
            {
                await using var server = await ServerProcess.StartAsync(root, batching, delayMicroseconds: 0);
                using var channel = Channel(server.GrpcPort);
                using var echoChannel = Channel(server.EchoPort);
                var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
                var typed = new MultiTask.MultiTaskClient(channel);
                var echo = new Echo.EchoClient(echoChannel);
                var calls = new List<(string Name, Func<Task> Call)>
                {
                    ("ModelInfer", () => client.ModelInferAsync(infer).ResponseAsync),
                    ("Predict", () => typed.PredictAsync(new PredictRequest { Model = "shapes", Image = png }).ResponseAsync),
                };
                if (!batching)
                {
                    calls.Insert(0, ("echo", () => echo.EchoAsync(echoPayload).ResponseAsync));
                }

                foreach (var (name, call) in calls)
                {
                    var rates = new double[3];
                    double cpu = 0;
                    double meanBatch = 0;
                    var levels = new[] { 1, 16, 64 };
                    for (var i = 0; i < levels.Length; i++)
                    {
                        var cpuBefore = await server.MetricAsync("process_cpu_seconds_total");
                        var countBefore = await server.MetricAsync("nv_inference_count");
                        var execBefore = await server.MetricAsync("nv_inference_exec_count");
                        var (rate, completed) = await LoadAsync(call, levels[i], seconds);
                        rates[i] = rate;
                        cpu = (await server.MetricAsync("process_cpu_seconds_total") - cpuBefore) / completed * 1e6;
                        var executions = await server.MetricAsync("nv_inference_exec_count") - execBefore;
                        meanBatch = executions > 0 ? (await server.MetricAsync("nv_inference_count") - countBefore) / executions : 0;
                    }

                    throughput[(name, batching)] = rates[2];
                    report.AppendLine(CultureInfo.InvariantCulture,
                        $"| {name} | {(name == "echo" ? "n/a" : batching ? "on" : "off")} | {rates[0]:0} | {rates[1]:0} | {rates[2]:0} | {cpu:0} µs | {(name == "echo" ? "n/a" : meanBatch.ToString("0.0", CultureInfo.InvariantCulture))} |");
                }

                h2load.AppendLine(await H2Load.RunAsync(server, infer, echoPayload, batching));
            }

            report.AppendLine();
            report.AppendLine("### h2load (pre-encoded requests, 4 connections × 32 streams, 20,000 calls)");
            report.AppendLine();
            report.AppendLine("| target | batching | req/s | succeeded (server count) |");
            report.AppendLine("|---|---|---|---|");
            report.Append(h2load);

            var gain = throughput[("ModelInfer", true)] / throughput[("ModelInfer", false)];
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"Goal: dynamic batching at c=64 ≥ 2× the throughput without it; ModelInfer measured {gain:0.00}× " +
                $"({(gain >= 2 ? "met" : "not met")}), Predict {throughput[("Predict", true)] / throughput[("Predict", false)]:0.00}×.");
            Console.WriteLine(report.ToString());
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    public static GrpcChannel Channel(int port) => GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
    {
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });

    public static ModelInferRequest InferRequest(float[] pixels, int batch = 1)
    {
        var request = new ModelInferRequest { ModelName = "shapes" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "image",
            Datatype = "FP32",
            Shape = { batch, 3, BenchModels.Side, BenchModels.Side },
        });
        var bytes = new byte[pixels.Length * 4 * batch];
        for (var i = 0; i < batch; i++)
        {
            MemoryMarshal.AsBytes(pixels.AsSpan()).CopyTo(bytes.AsSpan(i * pixels.Length * 4));
        }

        request.RawInputContents.Add(ByteString.CopyFrom(bytes));
        return request;
    }

    private static (Latency Batch1, Latency Batch64) OrtLatency(string root, float[] pixels, int samples)
    {
        // The same thread budget a server run gets on this machine: one intra-op thread per concurrent run.
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(Path.Combine(root, "shapes", "1", "model.onnx"), options);
        using var runOptions = new RunOptions();
        Latency Run(int batch)
        {
            var data = new float[pixels.Length * batch];
            for (var i = 0; i < batch; i++)
            {
                pixels.CopyTo(data, i * pixels.Length);
            }

            using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, 3, BenchModels.Side, BenchModels.Side]);
            return Latency.Measure(() =>
            {
                using var outputs = session.Run(runOptions, ["image"], [input], ["shape_logits", "size"]);
            }, 200, batch == 1 ? samples : samples / 10);
        }

        return (Run(1), Run(64));
    }

    private static async Task<(double Rate, long Completed)> LoadAsync(Func<Task> call, int concurrency, int seconds)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long completed = 0;
        long failed = 0;

        // A short warm-up at this concurrency first, so connection windows and pools are in their steady state.
        var warm = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (warm.Elapsed < TimeSpan.FromMilliseconds(500))
            {
                await call();
            }
        })).ToArray();
        await Task.WhenAll(workers);

        var watch = Stopwatch.StartNew();
        workers = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await call();
                    Interlocked.Increment(ref completed);
                }
                catch (Grpc.Core.RpcException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }))];
        await Task.WhenAll(workers);
        if (failed > 0)
        {
            Console.Error.WriteLine($"warning: {failed} calls failed at concurrency {concurrency}.");
        }

        return (completed / watch.Elapsed.TotalSeconds, Math.Max(1, completed));
    }

    private static void Row(StringBuilder report, string name, Latency latency) =>
        report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {latency.P50:0} | {latency.P99:0} | {latency.Mean:0} |");
}
