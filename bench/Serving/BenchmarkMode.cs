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
    private static readonly int[] Levels = [1, 16, 64];

    public static async Task<int> RunAsync(int seconds, int samples, int rounds, BenchTarget target)
    {
        var report = new StringBuilder();
        var infer = target.InferRequest();
        var png = ByteString.CopyFrom(target.Png());
        var predict = new PredictRequest { Model = target.Model, Image = png };
        var echoPayload = new EchoMessage { Payload = ByteString.CopyFrom(new byte[infer.CalculateSize()]) };
        report.AppendLine(target.Description);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Payload: ModelInfer request {infer.CalculateSize()} bytes (FP32 1×{string.Join('×', target.SampleShape)}), " +
            $"echo {echoPayload.CalculateSize()} bytes, Predict PNG {png.Length} bytes.");
        report.AppendLine();

        var ort64 = OrtLatency(target, 64, samples / 10);

        // Processor time, not wall time: on a shared machine a run's wall time counts the waits for a core as well.
        var cpuPerRow1 = OrtCpuPerRow(target, 1, 2000);
        var cpuPerRow64 = OrtCpuPerRow(target, 64, 60);
        string? predictProblem;
        await using (var off = await ServerProcess.StartAsync(target.RepositoryFor(batching: false), batching: false,
            delayMicroseconds: 0))
        {
            using var channel = Channel(off.GrpcPort);
            using var echoChannel = Channel(off.EchoPort);
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            var typed = new MultiTask.MultiTaskClient(channel);
            var echo = new Echo.EchoClient(echoChannel);
            predictProblem = await ProbeAsync(() => typed.PredictAsync(predict).ResponseAsync);

            // The in-process run, echo and ModelInfer take turns, so that they meet the same load; then the same with
            // Predict in ModelInfer's place. Apart, each call's own handler times can be read from the statistics.
            using var session = target.OpenSession();
            using var runOptions = new RunOptions();
            using var ortInput = OrtValue.CreateTensorValueFromMemory(target.Sample.ToArray(), [1, .. target.SampleShape]);
            Func<Task> ort = () =>
            {
                using var outputs = session.Run(runOptions, [target.Input], [ortInput], target.Outputs);
                return Task.CompletedTask;
            };
            Func<Task> echoCall = () => echo.EchoAsync(echoPayload).ResponseAsync;
            var before = await ServerTimes.ReadAsync(client, target.Model, off);
            var latencies = await Latency.MeasureInterleavedAsync(
                [ort, echoCall, () => client.ModelInferAsync(infer).ResponseAsync], 300, samples);
            var server = (await ServerTimes.ReadAsync(client, target.Model, off)).Since(before);
            var (ortLatency, echoLatency, inferLatency) = (latencies[0], latencies[1], latencies[2]);
            Latency[]? predictLatencies = null;
            ServerTimes? predictServer = null;
            if (predictProblem is null)
            {
                before = await ServerTimes.ReadAsync(client, target.Model, off);
                predictLatencies = await Latency.MeasureInterleavedAsync(
                    [ort, echoCall, () => typed.PredictAsync(predict).ResponseAsync], 300, samples);
                predictServer = (await ServerTimes.ReadAsync(client, target.Model, off)).Since(before);
            }

            report.AppendLine("### Latency at concurrency 1 (µs, client included, batching off, calls interleaved)");
            report.AppendLine();
            report.AppendLine("| call | p50 | p99 | mean |");
            report.AppendLine("|---|---|---|---|");
            Row(report, "in-process ORT `Run`, batch 1", ortLatency);
            Row(report, "in-process ORT `Run`, batch 64 (measured on its own)", ort64);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| in-process ORT processor time per row: batch 1 / batch 64 | {cpuPerRow1:0.0} / {cpuPerRow64:0.0} | | |");
            Row(report, "bare gRPC echo, same payload", echoLatency);
            Row(report, "ModelInfer (raw FP32)", inferLatency);
            if (predictLatencies is not null)
            {
                Row(report, "in-process ORT `Run`, batch 1 (Predict's run)", predictLatencies[0]);
                Row(report, "bare gRPC echo (Predict's run)", predictLatencies[1]);
                Row(report, "Predict (PNG, server-side preprocessing)", predictLatencies[2]);
            }

            var budget = echoLatency.P50 + ortLatency.P50 + 50;
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"Goal: ModelInfer p50 ≤ echo p50 + ORT p50 + 50 µs = {budget:0} µs; measured {inferLatency.P50:0} µs " +
                $"({(inferLatency.P50 <= budget ? "met" : "not met")}, margin {budget - inferLatency.P50:0} µs).");
            report.AppendLine("Server-side ModelInfer handler (statistics, mean over its latency run): " + server.Describe() + ".");
            if (predictServer is not null)
            {
                report.AppendLine("Server-side Predict handler (decode = image decoding and preprocessing): " +
                    predictServer.Describe() + ".");
            }

            if (predictProblem is not null)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"Predict not measured: {predictProblem}");
            }
            else
            {
                var answer = await typed.PredictAsync(predict);
                report.AppendLine("Predict's answer for the benchmark's PNG (a bright disc): " + string.Join("; ",
                    answer.Tasks.Select(t => t.Kind == "regression"
                        ? string.Create(CultureInfo.InvariantCulture, $"{t.Task} = {t.Value:0.###}")
                        : $"{t.Task} = {t.Label}")) + ".");
            }

            report.AppendLine();
        }

        report.AppendLine(CultureInfo.InvariantCulture,
            $"### Throughput (calls/s) and server CPU per call: medians of {rounds} rounds, the two servers taking turns");
        report.AppendLine();
        report.AppendLine("| call | batching | c=1 | c=16 | c=64 | server CPU/call at c=64 | client CPU/call at c=64 | " +
            "ORT µs per row at c=64 | mean batch at c=64 |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|");

        // Both servers run at once and every block of calls alternates between them, round after round: a fresh server
        // is slow for its first seconds (JIT tiers, pools), and on a shared machine load comes in spells. Measuring one
        // server after the other gave whichever went first, or met a busy spell, the worse figures.
        await using var offServer = await ServerProcess.StartAsync(target.RepositoryFor(batching: false), batching: false,
            delayMicroseconds: 0);
        await using var onServer = await ServerProcess.StartAsync(target.RepositoryFor(batching: true), batching: true,
            delayMicroseconds: 0);
        using var offSide = Side.Open(offServer, batching: false);
        using var onSide = Side.Open(onServer, batching: true);
        var sides = new[] { offSide, onSide };
        var names = predictProblem is null ? new[] { "echo", "ModelInfer", "Predict" } : ["echo", "ModelInfer"];
        foreach (var side in sides)
        {
            foreach (var name in names)
            {
                _ = await LoadAsync(side.Call(name, infer, predict, echoPayload), 16, 1);
                _ = await LoadAsync(side.Call(name, infer, predict, echoPayload), 1, 1);
            }
        }

        var throughput = new Dictionary<(string, bool), double>();
        var costs = new Dictionary<(string, bool), (double Server, double Client, double PerRow)>();
        foreach (var name in names)
        {
            // The echo path does not batch: it is measured on the batching-off server only.
            var blocks = new Dictionary<(bool, int), List<Block>>();
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < Levels.Length; i++)
                {
                    foreach (var side in name == "echo" ? sides[..1] : sides)
                    {
                        var block = await MeasureBlockAsync(side, side.Call(name, infer, predict, echoPayload), Levels[i],
                            seconds, target.Model);
                        if (!blocks.TryGetValue((side.Batching, i), out var list))
                        {
                            blocks[(side.Batching, i)] = list = [];
                        }

                        list.Add(block);
                    }
                }
            }

            foreach (var side in name == "echo" ? sides[..1] : sides)
            {
                var rates = Levels.Select((_, i) => Latency.Median(blocks[(side.Batching, i)].Select(b => b.Rate))).ToArray();
                var cpu = Latency.Median(blocks[(side.Batching, Levels.Length - 1)].Select(b => b.CpuMicroseconds));
                var meanBatch = Latency.Median(blocks[(side.Batching, Levels.Length - 1)].Select(b => b.MeanBatch));
                var clientCpu = Latency.Median(blocks[(side.Batching, Levels.Length - 1)].Select(b => b.ClientCpuMicroseconds));
                var perRow = Latency.Median(blocks[(side.Batching, Levels.Length - 1)].Select(b => b.InferPerRowMicroseconds));
                throughput[(name, side.Batching)] = rates[^1];
                costs[(name, side.Batching)] = (cpu, clientCpu, perRow);
                var echoRow = name == "echo";
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {name} | {(echoRow ? "n/a" : side.Batching ? "on" : "off")} | {rates[0]:0} | {rates[1]:0} | " +
                    $"{rates[2]:0} | {cpu:0} µs | {clientCpu:0} µs | " +
                    $"{(echoRow ? "n/a" : perRow.ToString("0.0", CultureInfo.InvariantCulture))} | " +
                    $"{(echoRow ? "n/a" : meanBatch.ToString("0.0", CultureInfo.InvariantCulture))} |");
            }
        }

        // What batching could win at most: it shrinks the ORT time per row and nothing else, so the CPU per call of
        // client and server together (the two share the same cores) bounds the gain.
        var (serverCost, clientCost, _) = costs[("ModelInfer", false)];
        var total = serverCost + clientCost;
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Bound on the batching gain for ModelInfer at c=64: client and server CPU per call {total:0} µs with batching " +
            $"off. ONNX Runtime's processor time per row, in process: {cpuPerRow1:0.0} µs at batch 1, {cpuPerRow64:0.0} µs " +
            $"at batch 64. Batching saves at most the difference, so it can give at most " +
            $"{total / (total - Math.Max(0, cpuPerRow1 - cpuPerRow64)):0.00}×; if the run cost nothing at all, " +
            $"{total / Math.Max(1, total - cpuPerRow1):0.00}× (per-row figures from runs one at a time; a memory-bound " +
            $"model costs more per row when two runs share the memory bus, and gains more).");

        var h2load = new StringBuilder();
        foreach (var side in sides)
        {
            h2load.AppendLine(await H2Load.RunAsync(side.Server, infer, echoPayload, side.Batching));
        }

        report.AppendLine();
        report.AppendLine("### h2load (pre-encoded requests, 4 connections × 32 streams, 20,000 calls)");
        report.AppendLine();
        report.AppendLine("| target | batching | req/s | succeeded (server count) |");
        report.AppendLine("|---|---|---|---|");
        report.Append(h2load);

        var gain = throughput[("ModelInfer", true)] / throughput[("ModelInfer", false)];
        report.AppendLine();
        report.Append(CultureInfo.InvariantCulture,
            $"Goal: dynamic batching at c=64 ≥ 2× the throughput without it; ModelInfer measured {gain:0.00}× " +
            $"({(gain >= 2 ? "met" : "not met")})");
        report.AppendLine(predictProblem is null
            ? string.Create(CultureInfo.InvariantCulture,
                $", Predict {throughput[("Predict", true)] / throughput[("Predict", false)]:0.00}×.")
            : ".");
        Console.WriteLine(report.ToString());
        return 0;
    }

    public static GrpcChannel Channel(int port) => GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
    {
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });

    private static Latency OrtLatency(BenchTarget target, int batch, int samples)
    {
        using var session = target.OpenSession();
        using var runOptions = new RunOptions();
        var data = new float[target.Sample.Length * batch];
        for (var i = 0; i < batch; i++)
        {
            target.Sample.CopyTo(data.AsSpan(i * target.Sample.Length));
        }

        using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, .. target.SampleShape]);
        return Latency.Measure(() =>
        {
            using var outputs = session.Run(runOptions, [target.Input], [input], target.Outputs);
        }, 20, samples);
    }

    /// <summary>Returns ONNX Runtime's processor time per row of runs of one batch size, in µs.</summary>
    private static double OrtCpuPerRow(BenchTarget target, int batch, int runs)
    {
        using var session = target.OpenSession();
        using var runOptions = new RunOptions();
        var data = new float[target.Sample.Length * batch];
        using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, .. target.SampleShape]);
        for (var i = 0; i < Math.Max(5, runs / 10); i++)
        {
            using var warm = session.Run(runOptions, [target.Input], [input], target.Outputs);
        }

        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < runs; i++)
            {
                using var outputs = session.Run(runOptions, [target.Input], [input], target.Outputs);
            }

            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / runs / batch);
        }

        return best;
    }

    private static async Task<string?> ProbeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (Grpc.Core.RpcException error)
        {
            return $"the server answered {error.StatusCode}: {error.Status.Detail}";
        }
    }

    public static async Task<(double Rate, long Completed)> LoadAsync(Func<Task> call, int concurrency, int seconds)
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

    /// <summary>
    /// Runs one block of calls and reads around it the server's and this process's CPU time, the batch sizes and ONNX
    /// Runtime's time per row (from the executions' statistics, so a batch's run is counted once).
    /// </summary>
    private static async Task<Block> MeasureBlockAsync(Side side, Func<Task> call, int concurrency, int seconds,
        string model)
    {
        var server = side.Server;
        var cpuBefore = await server.MetricAsync("process_cpu_seconds_total");
        var countBefore = await server.MetricAsync("nv_inference_count");
        var execBefore = await server.MetricAsync("nv_inference_exec_count");
        var runsBefore = await side.ExecutionsAsync(model);
        var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (rate, completed) = await LoadAsync(call, concurrency, seconds);
        var client = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalMicroseconds / completed;
        var cpu = (await server.MetricAsync("process_cpu_seconds_total") - cpuBefore) / completed * 1e6;
        var executions = await server.MetricAsync("nv_inference_exec_count") - execBefore;
        var rows = await server.MetricAsync("nv_inference_count") - countBefore;
        var runsAfter = await side.ExecutionsAsync(model);
        var runRows = runsAfter.Rows - runsBefore.Rows;
        var perRow = runRows > 0 ? (runsAfter.InferNs - runsBefore.InferNs) / 1000.0 / runRows : 0;
        return new Block(rate, cpu, client, perRow, executions > 0 ? rows / executions : 0);
    }

    private static void Row(StringBuilder report, string name, Latency latency) =>
        report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {latency.P50:0} | {latency.P99:0} | {latency.Mean:0} |");

    /// <summary>One block's calls per second, server and client CPU µs per call, ORT µs per row, mean rows per run.</summary>
    private sealed record Block(double Rate, double CpuMicroseconds, double ClientCpuMicroseconds,
        double InferPerRowMicroseconds, double MeanBatch);

    /// <summary>A server under test with its clients, one channel for the server and one for its echo service.</summary>
    private sealed class Side : IDisposable
    {
        private readonly GrpcChannel _channel;
        private readonly GrpcChannel _echoChannel;
        private readonly GRPCInferenceService.GRPCInferenceServiceClient _infer;
        private readonly MultiTask.MultiTaskClient _typed;
        private readonly Echo.EchoClient _echo;

        private Side(ServerProcess server, bool batching)
        {
            Server = server;
            Batching = batching;
            _channel = Channel(server.GrpcPort);
            _echoChannel = Channel(server.EchoPort);
            _infer = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
            _typed = new MultiTask.MultiTaskClient(_channel);
            _echo = new Echo.EchoClient(_echoChannel);
        }

        public ServerProcess Server { get; }

        public bool Batching { get; }

        public static Side Open(ServerProcess server, bool batching) => new(server, batching);

        /// <summary>Reads the rows run and ONNX Runtime's nanoseconds, summed over every execution of the model.</summary>
        public async Task<(double Rows, double InferNs)> ExecutionsAsync(string model)
        {
            var response = await _infer.ModelStatisticsAsync(new ModelStatisticsRequest { Name = model });
            double rows = 0;
            double ns = 0;
            foreach (var batch in response.ModelStats.SelectMany(s => s.BatchStats))
            {
                rows += batch.BatchSize * (double)batch.ComputeInfer.Count;
                ns += batch.ComputeInfer.Ns;
            }

            return (rows, ns);
        }

        public Func<Task> Call(string name, ModelInferRequest infer, PredictRequest predict, EchoMessage echo) => name switch
        {
            "echo" => () => _echo.EchoAsync(echo).ResponseAsync,
            "ModelInfer" => () => _infer.ModelInferAsync(infer).ResponseAsync,
            _ => () => _typed.PredictAsync(predict).ResponseAsync,
        };

        public void Dispose()
        {
            _channel.Dispose();
            _echoChannel.Dispose();
        }
    }
}
