using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Protocol.V1;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The soak: mixed valid and invalid requests at a fixed concurrency for some minutes against a server in its own
/// process. Every valid request must succeed and every invalid one must get its expected status; the server's
/// resident memory is sampled every 10 s and compared after the first minute of warm-up.
/// </summary>
internal static class SoakMode
{
    public static async Task<int> RunAsync(int minutes, int concurrency, BenchTarget target)
    {
        await using var server = await ServerProcess.StartAsync(target.RepositoryFor(batching: true), batching: true,
            delayMicroseconds: 200);
        using var channel = BenchmarkMode.Channel(server.GrpcPort);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var typed = new MultiTask.MultiTaskClient(channel);
        var png = ByteString.CopyFrom(target.Png());
        var badShape = target.InferRequest();
        badShape.Inputs[0].Shape[2] /= 2;
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var bomb = target.InferRequest();
        bomb.Id = new string('0', 32 * 1024 * 1024);

        var cases = new (string Name, StatusCode Expected, Func<Task> Call)[]
        {
            ("infer batch 1", StatusCode.OK, () => client.ModelInferAsync(target.InferRequest()).ResponseAsync),
            ("infer batch 4", StatusCode.OK, () => client.ModelInferAsync(target.InferRequest(4)).ResponseAsync),
            ("infer batch 1", StatusCode.OK, () => client.ModelInferAsync(target.InferRequest()).ResponseAsync),
            ("predict png", StatusCode.OK, () => typed.PredictAsync(new PredictRequest { Model = target.Model,
                Image = png }).ResponseAsync),
            ("infer batch 1", StatusCode.OK, () => client.ModelInferAsync(target.InferRequest()).ResponseAsync),
            ("predict png", StatusCode.OK, () => typed.PredictAsync(new PredictRequest { Model = target.Model,
                Image = png }).ResponseAsync),
            ("bad shape", StatusCode.InvalidArgument, () => client.ModelInferAsync(badShape).ResponseAsync),
            ("unknown model", StatusCode.NotFound,
                () => client.ModelInferAsync(new ModelInferRequest { ModelName = "nope" }).ResponseAsync),
            ("corrupt image", StatusCode.InvalidArgument,
                () => typed.PredictAsync(new PredictRequest { Model = target.Model,
                Image = ByteString.CopyFrom(png.Span[..60]) }).ResponseAsync),
            ("text to an image model", StatusCode.InvalidArgument,
                () => typed.PredictAsync(new PredictRequest { Model = target.Model, Text = new string('x',
                100_000) }).ResponseAsync),
            ("traversal name", StatusCode.InvalidArgument,
                () => client.ModelInferAsync(new ModelInferRequest { ModelName = "../x" }).ResponseAsync),
        };
        var outcomes = new ConcurrentDictionary<(string, StatusCode), long>();
        var unexpected = new ConcurrentDictionary<string, long>();
        var memory = new List<(double Minutes, double Resident, double Managed)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var watch = Stopwatch.StartNew();
        long calls = 0;

        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var bombTurn = random.Next(2000) == 0;
                var (name, expected, call) = bombTurn
                    ? ("gzip bomb", StatusCode.ResourceExhausted, () => client.ModelInferAsync(bomb, gzip).ResponseAsync)
                    : cases[random.Next(cases.Length)];
                StatusCode code;
                try
                {
                    await call();
                    code = StatusCode.OK;
                }
                catch (RpcException error)
                {
                    code = error.StatusCode;
                }

                outcomes.AddOrUpdate((name, code), 1, (_, n) => n + 1);
                if (code != expected)
                {
                    unexpected.AddOrUpdate($"{name}: expected {expected}, got {code}", 1, (_, n) => n + 1);
                }

                Interlocked.Increment(ref calls);
            }
        }

        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => Worker(i))).ToArray();
        while (!stop.IsCancellationRequested)
        {
            memory.Add((watch.Elapsed.TotalMinutes, await server.MetricAsync("process_resident_memory_bytes") / 1048576,
                await server.MetricAsync("process_managed_heap_bytes") / 1048576));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await Task.WhenAll(workers);
        memory.Add((watch.Elapsed.TotalMinutes, await server.MetricAsync("process_resident_memory_bytes") / 1048576,
            await server.MetricAsync("process_managed_heap_bytes") / 1048576));

        var warm = memory.FirstOrDefault(m => m.Minutes >= Math.Min(1, minutes / 2.0));
        var after = memory.Where(m => m.Minutes >= warm.Minutes).ToArray();
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Soak: {minutes} min at concurrency {concurrency}, {calls:N0} calls ({calls / seconds:0}/s)."));
        Console.WriteLine();
        Console.WriteLine("| request | expected | status | count |");
        Console.WriteLine("|---|---|---|---|");
        var expectedOf = cases.Select(c => (c.Name, c.Expected)).Append(("gzip bomb", StatusCode.ResourceExhausted))
            .DistinctBy(c => c.Item1).ToDictionary(c => c.Item1, c => c.Item2, StringComparer.Ordinal);
        foreach (var ((name, code), count) in outcomes.OrderBy(o => o.Key.Item1, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {(expectedOf[name] == StatusCode.OK ? "valid" : "invalid")} | {code} | {count:N0} |"));
        }

        var valid = outcomes.Where(o => expectedOf[o.Key.Item1] == StatusCode.OK).Sum(o => o.Value);
        var validFailed = outcomes.Where(o => expectedOf[o.Key.Item1] == StatusCode.OK && o.Key.Item2 != StatusCode.OK)
            .Sum(o => o.Value);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Valid requests: {valid:N0}, of which failed: {validFailed:N0}; invalid: {calls - valid:N0}."));
        var unexpectedText = unexpected.IsEmpty
            ? "none"
            : string.Join("; ", unexpected.Select(u => $"{u.Key} ×{u.Value}"));
        Console.WriteLine($"Unexpected outcomes: {unexpectedText}.");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Server working set: {warm.Resident:0} MiB after warm-up ({warm.Minutes:0.0} min), max " +
            $"{after.Max(m => m.Resident):0} MiB, final {memory[^1].Resident:0} MiB; GC heap {warm.Managed:0} → " +
            $"{memory[^1].Managed:0} MiB (max {after.Max(m => m.Managed):0})."));
        Console.WriteLine();
        Console.WriteLine("| minute | working set (MiB) | GC heap (MiB) |");
        Console.WriteLine("|---|---|---|");
        for (var minute = 0; minute <= minutes; minute++)
        {
            var sample = memory.MinBy(m => Math.Abs(m.Minutes - minute));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {sample.Minutes:0.0} | {sample.Resident:0} | {sample.Managed:0.0} |"));
        }

        return unexpected.IsEmpty ? 0 : 1;
    }
}
