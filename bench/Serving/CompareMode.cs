using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// Two builds of the server side by side, to show what a change did under the same load: a baseline build's server
/// (another checkout's benchmark assembly) and this build's, both with batching off. Each round times, one call of
/// each in turn, the in-process ONNX Runtime run, the echo service and ModelInfer on both servers, so that the latency
/// goal (ModelInfer p50 ≤ echo p50 + ORT p50 + 50 µs) is judged for both builds against the same references.
/// </summary>
internal static class CompareMode
{
    public static async Task<int> RunAsync(int rounds, int callsPerRound, string baseline,
        IReadOnlyDictionary<string, string> afterEnvironment, BenchTarget target)
    {
        var infer = target.InferRequest();
        var echoPayload = new EchoMessage { Payload = ByteString.CopyFrom(new byte[infer.CalculateSize()]) };
        await using var before = await ServerProcess.StartAsync(target.RepositoryFor(batching: false), false, 0,
            Path.GetFullPath(baseline));
        await using var after = await ServerProcess.StartAsync(target.RepositoryFor(batching: false), false, 0,
            environment: afterEnvironment);
        using var beforeChannel = BenchmarkMode.Channel(before.GrpcPort);
        using var afterChannel = BenchmarkMode.Channel(after.GrpcPort);
        using var echoChannel = BenchmarkMode.Channel(after.EchoPort);
        var beforeClient = new GRPCInferenceService.GRPCInferenceServiceClient(beforeChannel);
        var afterClient = new GRPCInferenceService.GRPCInferenceServiceClient(afterChannel);
        var echo = new Echo.EchoClient(echoChannel);
        using var session = target.OpenSession();
        using var runOptions = new RunOptions();
        using var ortInput = OrtValue.CreateTensorValueFromMemory(target.Sample.ToArray(), [1, .. target.SampleShape]);
        var calls = new Func<Task>[]
        {
            () =>
            {
                using var outputs = session.Run(runOptions, [target.Input], [ortInput], target.Outputs);
                return Task.CompletedTask;
            },
            () => echo.EchoAsync(echoPayload).ResponseAsync,
            () => beforeClient.ModelInferAsync(infer).ResponseAsync,
            () => afterClient.ModelInferAsync(infer).ResponseAsync,
        };
        string[] names = ["in-process ORT `Run`", "echo", "ModelInfer, before", "ModelInfer, after"];

        // Fresh servers run slowly for their first seconds (JIT tiers): warm both before anything is timed.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(10))
        {
            foreach (var call in calls)
            {
                await call();
            }
        }

        Console.WriteLine(target.Description);
        var settings = string.Join(' ', afterEnvironment.Select(e => $"{e.Key}={e.Value}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Baseline: {baseline}; after: this build{(settings.Length == 0 ? string.Empty : " with " + settings)}. " +
            $"{rounds} rounds of {callsPerRound} calls of each, one of each in turn."));
        Console.WriteLine();
        Console.WriteLine("| round | ORT p50 | echo p50 | before p50 | after p50 | before: budget margin | " +
            "after: budget margin | before: handler µs (infer) | after: handler µs (infer) | before: server CPU µs/call | " +
            "after: server CPU µs/call |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        var p50s = names.Select(_ => new List<double>()).ToArray();
        var margins = new[] { new List<double>(), new List<double>() };
        var afterStart = await ServerTimes.ReadAsync(afterClient, target.Model, after);
        for (var round = 1; round <= rounds; round++)
        {
            var beforeTimes = await ServerTimes.ReadAsync(beforeClient, target.Model);
            var afterTimes = await ServerTimes.ReadAsync(afterClient, target.Model);
            var beforeCpu = await before.MetricAsync("process_cpu_seconds_total");
            var afterCpu = await after.MetricAsync("process_cpu_seconds_total");
            var latencies = await Latency.MeasureInterleavedAsync(calls, 0, callsPerRound);
            var beforeCpuPerCall = (await before.MetricAsync("process_cpu_seconds_total") - beforeCpu) / callsPerRound * 1e6;
            var afterCpuPerCall = (await after.MetricAsync("process_cpu_seconds_total") - afterCpu) / callsPerRound * 1e6;
            var beforeServer = (await ServerTimes.ReadAsync(beforeClient, target.Model)).Since(beforeTimes);
            var afterServer = (await ServerTimes.ReadAsync(afterClient, target.Model)).Since(afterTimes);
            for (var i = 0; i < names.Length; i++)
            {
                p50s[i].Add(latencies[i].P50);
            }

            var budget = latencies[0].P50 + latencies[1].P50 + 50;
            margins[0].Add(budget - latencies[2].P50);
            margins[1].Add(budget - latencies[3].P50);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {round} | {latencies[0].P50:0} | {latencies[1].P50:0} | {latencies[2].P50:0} | " +
                $"{latencies[3].P50:0} | {margins[0][^1]:0} | {margins[1][^1]:0} | " +
                $"{beforeServer.Request:0.0} ({beforeServer.Infer:0.0}) | {afterServer.Request:0.0} ({afterServer.Infer:0.0}) | " +
                $"{beforeCpuPerCall:0} | {afterCpuPerCall:0} |"));
        }

        var afterAll = (await ServerTimes.ReadAsync(afterClient, target.Model, after)).Since(afterStart);
        Console.WriteLine();
        Console.WriteLine("This build's ModelInfer handler over all rounds: " + afterAll.Describe() + ".");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Medians over rounds: ORT {Latency.Median(p50s[0]):0} µs, echo {Latency.Median(p50s[1]):0} µs, ModelInfer before " +
            $"{Latency.Median(p50s[2]):0} µs, after {Latency.Median(p50s[3]):0} µs; " +
            $"budget margin before {Latency.Median(margins[0]):0} µs, " +
            $"after {Latency.Median(margins[1]):0} µs (met in {margins[0].Count(m => m >= 0)} and " +
            $"{margins[1].Count(m => m >= 0)} of {rounds} rounds)."));
        return 0;
    }

}
