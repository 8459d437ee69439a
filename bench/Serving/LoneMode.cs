using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Protocol.V1;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// Lone requests with dynamic batching off and on: two servers side by side, one client at a time, blocks of calls
/// taking turns between them over several rounds. Reports calls per second and where the server put each call's
/// time (ModelStatistics), so that a cost that only batching pays at concurrency 1 shows on its own.
/// </summary>
internal static class LoneMode
{
    /// <param name="burst">
    /// When above 0, each block is preceded by a second of calls at this concurrency on the same server, as the
    /// throughput table's c=1 blocks follow c=64 ones.
    /// </param>
    public static async Task<int> RunAsync(int rounds, int callsPerBlock, long delayMicroseconds, int burst,
        BenchTarget target)
    {
        var infer = target.InferRequest();
        var predict = new PredictRequest { Model = target.Model, Image = ByteString.CopyFrom(target.Png()) };
        await using var off = await ServerProcess.StartAsync(target.RepositoryFor(batching: false), false, 0);
        await using var on = await ServerProcess.StartAsync(target.RepositoryFor(batching: true), true,
            delayMicroseconds);
        using var offChannel = BenchmarkMode.Channel(off.GrpcPort);
        using var onChannel = BenchmarkMode.Channel(on.GrpcPort);
        var clients = new[]
        {
            (Name: "off", Infer: new GRPCInferenceService.GRPCInferenceServiceClient(offChannel),
                Typed: new MultiTask.MultiTaskClient(offChannel)),
            (Name: "on", Infer: new GRPCInferenceService.GRPCInferenceServiceClient(onChannel),
                Typed: new MultiTask.MultiTaskClient(onChannel)),
        };

        Console.WriteLine(target.Description);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rounds} rounds of {callsPerBlock} calls per block; batching on with max_queue_delay " +
            $"{delayMicroseconds} µs."));
        Console.WriteLine();
        Console.WriteLine("| round | call | batching | calls/s | server µs/call | queue µs | infer µs |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        // The throughput table's own sequence on fresh servers first: a short warm-up at c=16, then c=1 for 5 s.
        foreach (var (name, client, typed) in clients)
        {
            _ = await BenchmarkMode.LoadAsync(() => client.ModelInferAsync(infer).ResponseAsync, 16, 1);
            _ = await BenchmarkMode.LoadAsync(() => typed.PredictAsync(predict).ResponseAsync, 16, 1);
            for (var k = 0; k < 3; k++)
            {
                var (rate, _) = await BenchmarkMode.LoadAsync(() => client.ModelInferAsync(infer).ResponseAsync, 1, 5);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fresh {name} c=1 block {k}: {rate:0}/s"));
            }
        }

        foreach (var (_, client, typed) in clients)
        {
            for (var i = 0; i < 500; i++)
            {
                await client.ModelInferAsync(infer);
                await typed.PredictAsync(predict);
            }
        }

        var rates = new Dictionary<(string, string), List<double>>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var call in new[] { "ModelInfer", "Predict" })
            {
                foreach (var (name, client, typed) in clients)
                {
                    if (burst > 0)
                    {
                        _ = await BenchmarkMode.LoadAsync(() => call == "ModelInfer"
                            ? client.ModelInferAsync(infer).ResponseAsync
                            : typed.PredictAsync(predict).ResponseAsync, burst, 1);
                    }

                    var before = await ServerTimes.ReadAsync(client, target.Model);
                    var watch = Stopwatch.StartNew();
                    for (var i = 0; i < callsPerBlock; i++)
                    {
                        if (call == "ModelInfer")
                        {
                            await client.ModelInferAsync(infer);
                        }
                        else
                        {
                            await typed.PredictAsync(predict);
                        }
                    }

                    var rate = callsPerBlock / watch.Elapsed.TotalSeconds;
                    var server = (await ServerTimes.ReadAsync(client, target.Model)).Since(before);
                    if (!rates.TryGetValue((call, name), out var list))
                    {
                        rates[(call, name)] = list = [];
                    }

                    list.Add(rate);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {round} | {call} | {name} | {rate:0} | {server.Request:0.0} | {server.Queue:0.0} | " +
                        $"{server.Infer:0.0} |"));
                }
            }
        }

        Console.WriteLine();
        foreach (var call in new[] { "ModelInfer", "Predict" })
        {
            var offMedian = Latency.Median(rates[(call, "off")]);
            var onMedian = Latency.Median(rates[(call, "on")]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{call}: median calls/s off {offMedian:0}, on {onMedian:0}, on/off {onMedian / offMedian:0.00}."));
        }

        return 0;
    }

}
