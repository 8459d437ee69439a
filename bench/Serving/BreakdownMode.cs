using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// Where the server's own time goes in one ModelInfer call, without the network: each step of the handler run in
/// process on the real code (parse, decode, schedule and run, encode, serialize, statistics) against the bare ONNX
/// Runtime run, with CPU time and managed bytes allocated per call. The steps are what a call costs beyond the gRPC
/// floor; the figures are means over many calls, the best of five rounds.
/// </summary>
internal static class BreakdownMode
{
    public static async Task<int> RunAsync(int calls, BenchTarget target)
    {
        var options = Options.Create(new ServingOptions());
        using var gate = new InferenceGate(options);
        using var runner = OnnxModelRunner.Open(target.ModelPath, gate);
        var configPath = Path.Combine(target.Repository, target.Model, "config.pbtxt");
        var file = File.Exists(configPath)
            ? ProtoTextParser.Parse<ModelConfig>(await File.ReadAllTextAsync(configPath), configPath)
            : null;
        var config = ModelConfigResolver.Resolve(target.Model, file, runner.Inputs, runner.Outputs,
            options.Value.Batching, out var inputs, out var outputs, out var settings);
        runner.Batched = config.MaxBatchSize > 0;
        var statistics = new ModelVersionStatistics();
        var executor = new ModelExecutor(runner, gate, statistics, "bench");
        await using var scheduler = new DirectScheduler(executor, settings.MaxQueueSize);
        var model = new ModelVersion(target.Model, 1, target.Repository, string.Empty, runner, config, inputs, outputs,
            scheduler, statistics);

        var wire = target.InferRequest().ToByteArray();
        var request = ModelInferRequest.Parser.ParseFrom(wire);
        var decoded = InferRequestDecoder.Decode(request, model, options.Value.Limits, CancellationToken.None);
        var result = await scheduler.RunAsync(new InferenceWork(decoded.Inputs, decoded.Outputs, 1, CancellationToken.None));
        var response = InferResponseEncoder.Encode(request, model, decoded.Outputs, result);
        var typedRequest = request.Clone();
        typedRequest.RawInputContents.Clear();
        typedRequest.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { target.Sample.ToArray() } };
        var typedDecoded = InferRequestDecoder.Decode(typedRequest, model, options.Value.Limits, CancellationToken.None);
        var typedResult = await scheduler.RunAsync(new InferenceWork(typedDecoded.Inputs, typedDecoded.Outputs, 1,
            CancellationToken.None));
        using var session = target.OpenSession();
        using var runOptions = new RunOptions();
        var sample = target.Sample.ToArray();
        using var ortInput = OrtValue.CreateTensorValueFromMemory(sample, [1, .. target.SampleShape]);

        var steps = new (string Name, Func<Task> Step)[]
        {
            ("ORT `Run` alone (reference, outputs allocated by ORT)", () =>
            {
                using var values = session.Run(runOptions, [target.Input], [ortInput], target.Outputs);
                return Task.CompletedTask;
            }),
            ("parse request (protobuf)", () =>
            {
                _ = ModelInferRequest.Parser.ParseFrom(wire);
                return Task.CompletedTask;
            }),
            ("decode (InferRequestDecoder)", () =>
            {
                _ = InferRequestDecoder.Decode(request, model, options.Value.Limits, CancellationToken.None);
                return Task.CompletedTask;
            }),
            ("decode typed FP32 (fp32_contents)", () =>
            {
                _ = InferRequestDecoder.Decode(typedRequest, model, options.Value.Limits, CancellationToken.None);
                return Task.CompletedTask;
            }),
            ("runner: bind and run into pre-allocated outputs", () =>
            {
                using var run = new RunOptions();
                _ = runner.Run(decoded.Inputs, decoded.Outputs, run);
                return Task.CompletedTask;
            }),
            ("scheduler: gate, run options, cancellation, runner, rows", () =>
                scheduler.RunAsync(new InferenceWork(decoded.Inputs, decoded.Outputs, 1, CancellationToken.None))),
            ("encode (InferResponseEncoder)", () =>
            {
                _ = InferResponseEncoder.Encode(request, model, decoded.Outputs, result);
                return Task.CompletedTask;
            }),
            ("encode typed (fp32_contents out)", () =>
            {
                _ = InferResponseEncoder.Encode(typedRequest, model, typedDecoded.Outputs, typedResult);
                return Task.CompletedTask;
            }),
            ("serialize response (protobuf)", () =>
            {
                _ = response.ToByteArray();
                return Task.CompletedTask;
            }),
            ("statistics (success, histograms)", () =>
            {
                statistics.RecordSuccess(1000, 10, 10, 10, 10, 10, 10);
                return Task.CompletedTask;
            }),
            ("whole handler path: parse, decode, schedule, encode, serialize, statistics", async () =>
            {
                var started = Clock.Now;
                var parsed = ModelInferRequest.Parser.ParseFrom(wire);
                var d = InferRequestDecoder.Decode(parsed, model, options.Value.Limits, CancellationToken.None);
                var r = await scheduler.RunAsync(new InferenceWork(d.Inputs, d.Outputs, d.BatchSize, CancellationToken.None));
                _ = InferResponseEncoder.Encode(parsed, model, d.Outputs, r).ToByteArray();
                model.Statistics.RecordSuccess(Clock.Nanoseconds(started, Clock.Now), r.QueueNanoseconds,
                    r.InputNanoseconds, r.InferNanoseconds, r.OutputNanoseconds, 0, 0);
            }),
        };

        Console.WriteLine(target.Description);
        Console.WriteLine();
        Console.WriteLine("| step | CPU µs per call | bytes allocated per call |");
        Console.WriteLine("|---|---|---|");
        foreach (var (name, step) in steps)
        {
            var (micros, bytes) = await MeasureAsync(step, calls);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {micros:0.00} | {bytes:0} |"));
        }

        return 0;
    }

    private static async Task<(double Micros, double Bytes)> MeasureAsync(Func<Task> step, int calls)
    {
        for (var i = 0; i < Math.Min(calls, 2000); i++)
        {
            await step();
        }

        var best = double.MaxValue;
        double bytes = 0;
        for (var round = 0; round < 5; round++)
        {
            // Thread CPU time, not wall time: the machine is shared, and what is wanted is what a call costs.
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < calls; i++)
            {
                await step();
            }

            var elapsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)calls;
            best = Math.Min(best, elapsed.TotalMicroseconds / calls);
        }

        return (best, bytes);
    }
}
