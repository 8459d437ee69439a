using System.Diagnostics;
using Grpc.Core;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Repository;
using MtlOnnx.Serving.Tests.Infrastructure;

namespace MtlOnnx.Serving.Tests;

public sealed class RepositoryTests : IDisposable
{
    private readonly TestRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task PollMode_NewVersionUnderLoad_LosesNoRequest()
    {
        _repository.Add("affine", 1, TestModels.Affine(2f));
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:ModelControlMode"] = "Poll",
            ["Serving:PollInterval"] = "00:00:00.100",
        });

        using var stop = new CancellationTokenSource();
        var failures = 0;
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        async Task Client()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await server.Inference.ModelInferAsync(Requests.AffineRaw([1, 1, 1, 1]));
                    var y = Requests.Floats(response, "y")[0];
                    seen.AddOrUpdate($"{response.ModelVersion}:{y}", 1, (_, n) => n + 1);
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(Client)).ToArray();
        var watch = Stopwatch.StartNew();
        while (!seen.ContainsKey("1:3") && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        _repository.Publish("affine", 2, TestModels.Affine(3f));
        watch.Restart();
        while (!seen.ContainsKey("2:4") && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        // Keep the load on until version 1 is retired: that is when an in-flight request could be lost.
        watch.Restart();
        var metadata = await server.Inference.ModelMetadataAsync(new ModelMetadataRequest { Name = "affine" });
        while (metadata.Versions.Count != 1 && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
            metadata = await server.Inference.ModelMetadataAsync(new ModelMetadataRequest { Name = "affine" });
        }

        // And a hundred calls more, so the retirement (which follows the swap) happens while calls still arrive.
        var answered = seen.GetValueOrDefault("2:4");
        watch.Restart();
        while (seen.GetValueOrDefault("2:4") < answered + 100 && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Equal(0, failures);
        Assert.True(seen.ContainsKey("1:3"), "Version 1 answered before the reload.");
        Assert.True(seen.ContainsKey("2:4"), "Version 2 answered after the reload.");
        Assert.Equal(["1:3", "2:4"], seen.Keys.Order());
        Assert.Equal(["2"], metadata.Versions);
    }

    [Fact]
    public async Task ExplicitMode_LoadAndUnload_ChangeWhatIsServed()
    {
        _repository.Add("affine", 1, TestModels.Affine()).Add("other", 1, TestModels.Fixed());
        await using var server = await ServerHarness.StartAsync(_repository.Root, new Dictionary<string, string?>
        {
            ["Serving:ModelControlMode"] = "Explicit",
            ["Serving:LoadModels:0"] = "affine",
        });
        var client = server.Inference;

        Assert.False((await client.ModelReadyAsync(new ModelReadyRequest { Name = "other" })).Ready);
        await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "other" });
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "other" })).Ready);
        await client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "affine" });
        var gone = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4])));
        var index = await client.RepositoryIndexAsync(new RepositoryIndexRequest());
        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "absent" }));
        var traversal = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "../models" }));

        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Contains(index.Models, m => m.Name == "affine" && m.State == "UNAVAILABLE" && m.Reason == "unloaded");
        Assert.Contains(index.Models, m => m.Name == "other" && m.Version == "1" && m.State == "READY");
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, traversal.StatusCode);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
    }

    [Fact]
    public async Task VersionPolicy_LatestTwo_ServesTheTwoNewest()
    {
        _repository.Add("affine", 1, TestModels.Affine(1f))
            .Add("affine", 3, TestModels.Affine(3f))
            .Add("affine", 2, TestModels.Affine(2f), "version_policy { latest { num_versions: 2 } }");
        await using var server = await ServerHarness.StartAsync(_repository.Root);

        var metadata = await server.Inference.ModelMetadataAsync(new ModelMetadataRequest { Name = "affine" });

        Assert.Equal(["3", "2"], metadata.Versions);
    }

    [Fact]
    public async Task OutputReshape_AsExportWritesIt_ServesDimsShapeAndChecksCounts()
    {
        // What the exporter writes for a [batch] output: Triton's dims [1] with reshape { shape: [ ] }.
        const string Reshape = "output [ { name: \"s\" data_type: TYPE_FP32 dims: [ 1 ] reshape: { shape: [ ] } } ]";
        _repository.Add("affine", 1, TestModels.Affine(2f), "max_batch_size: 8\n" + Reshape);
        _repository.Add("mismatched", 1, TestModels.Affine(2f),
            "max_batch_size: 8\noutput [ { name: \"s\" dims: [ 2 ] reshape: { shape: [ ] } } ]");
        await using var server = await ServerHarness.StartAsync(_repository.Root);
        var client = server.Inference;

        var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "affine" });
        var config = (await client.ModelConfigAsync(new ModelConfigRequest { Name = "affine" })).Config;
        var response = await client.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4, 5, 6, 7, 8]));
        var index = await client.RepositoryIndexAsync(new RepositoryIndexRequest());

        Assert.Equal([-1L, 1], metadata.Outputs.Single(o => o.Name == "s").Shape);
        Assert.Equal([-1L, 4], metadata.Outputs.Single(o => o.Name == "y").Shape);
        var s = config.Output.Single(o => o.Name == "s");
        Assert.Equal([1L], s.Dims);
        Assert.Empty(s.Reshape.Shape);
        Assert.Equal([2L, 1], response.Outputs.Single(o => o.Name == "s").Shape);
        Assert.Equal([10f, 26f], Requests.Floats(response, "s"));
        Assert.Contains(index.Models, m => m.Name == "mismatched" && m.State == "UNAVAILABLE"
            && m.Reason.Contains("reshapes output 's' from [] to dims [2]"));
    }

    [Fact]
    public async Task BrokenModel_IsUnavailableWithReason_OthersServe()
    {
        _repository.Add("affine", 1, TestModels.Affine()).Add("broken", 1, [1, 2, 3, 4, 5]);
        _repository.Add("misconfigured", 1, TestModels.Affine(),
            "max_batch_size: 4\ninput [ { name: \"x\" data_type: TYPE_INT32 dims: [ 4 ] } ]");
        await using var server = await ServerHarness.StartAsync(_repository.Root);
        var client = server.Inference;

        var index = await client.RepositoryIndexAsync(new RepositoryIndexRequest());
        var broken = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4], model: "broken")));
        var ok = await client.ModelInferAsync(Requests.AffineRaw([1, 2, 3, 4]));

        Assert.False((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.Contains(index.Models, m => m.Name == "broken" && m.State == "UNAVAILABLE" && m.Reason.Contains("ONNX Runtime cannot load"));
        Assert.Contains(index.Models, m => m.Name == "misconfigured" && m.Reason.Contains("data type TYPE_INT32; the model has TYPE_FP32"));
        Assert.Equal(StatusCode.Unavailable, broken.StatusCode);
        Assert.NotEmpty(ok.Outputs);
    }

    [Fact]
    public async Task DynamicBatching_GathersConcurrentRequests_AndQueueFullIsResourceExhausted()
    {
        _repository.Add("slow", 1, TestModels.Slow(), "max_batch_size: 16\ndynamic_batching { max_queue_delay_microseconds: 20000 }");
        // Each run of "tiny" must outlast the arrival of the 40 concurrent requests, or the queue of 2 never fills
        // on a fast, idle machine; 3000 MatMul layers take tens of milliseconds per run.
        _repository.Add("tiny", 1, TestModels.Slow(3000), "max_batch_size: 16\n" +
            "dynamic_batching { default_queue_policy { max_queue_size: 2 } }\ninstance_group [ { count: 1 kind: KIND_CPU } ]");
        await using var server = await ServerHarness.StartAsync(_repository.Root);
        var client = server.Inference;
        ModelInferRequest Request(string model) => new()
        {
            ModelName = model,
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 256 } } },
            RawInputContents = { Google.Protobuf.ByteString.CopyFrom(new byte[1024]) },
        };

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.ModelInferAsync(Request("slow")).ResponseAsync));
        var stats = (await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "slow" })).ModelStats[0];

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                await client.ModelInferAsync(Request("tiny"));
                return StatusCode.OK;
            }
            catch (RpcException error)
            {
                Assert.Contains("queue of model 'tiny' version 1 is full", error.Status.Detail);
                return error.StatusCode;
            }
        }));
        var after = await client.ModelInferAsync(Request("tiny"));

        Assert.Equal(16UL, stats.InferenceCount);
        Assert.True(stats.ExecutionCount < 16, $"16 requests ran in {stats.ExecutionCount} executions.");
        Assert.Contains(StatusCode.OK, outcomes);
        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.All(outcomes, o => Assert.True(o is StatusCode.OK or StatusCode.ResourceExhausted));
        Assert.NotEmpty(after.Outputs);
    }

    [Fact]
    public async Task Deadline_ShorterThanTheRun_IsDeadlineExceeded_AndServerKeepsServing()
    {
        // A batch of 64 rows through 1500 MatMul layers takes far longer than the 5 ms deadline on any machine; one row
        // can finish within it on a fast, idle one.
        _repository.Add("slow", 1, TestModels.Slow(1500), "max_batch_size: 64");
        await using var server = await ServerHarness.StartAsync(_repository.Root);
        var request = new ModelInferRequest
        {
            ModelName = "slow",
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 64, 256 } } },
            RawInputContents = { Google.Protobuf.ByteString.CopyFrom(new byte[64 * 1024]) },
        };

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Inference.ModelInferAsync(request, deadline: DateTime.UtcNow.AddMilliseconds(5)));
        var ok = await server.Inference.ModelInferAsync(request);

        Assert.True(error.StatusCode == StatusCode.DeadlineExceeded, error.Status.ToString());
        Assert.NotEmpty(ok.Outputs);
    }

    [Fact]
    public async Task Shutdown_DrainsInFlightRequests_AndTurnsReadinessOff()
    {
        // Four requests into a batch of eight wait out the 400 ms queue delay, so they are surely in flight when the
        // server begins to stop, however fast the machine runs the model.
        _repository.Add(
            "slow", 1, TestModels.Slow(), "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 400000 }");
        var server = await ServerHarness.StartAsync(_repository.Root);
        var request = new ModelInferRequest
        {
            ModelName = "slow",
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 256 } } },
            RawInputContents = { Google.Protobuf.ByteString.CopyFrom(new byte[1024]) },
        };

        // Connect first and wait until all four calls have reached the scheduler: a call still connecting when the
        // listener closes is refused, which is right, but not what this test is about.
        await server.Inference.ServerLiveAsync(new ServerLiveRequest());
        var repository = (ModelRepository)server.Server.Services.GetService(typeof(ModelRepository))!;
        var scheduler = repository.Find("slow", null).Scheduler;
        var inFlight = Enumerable.Range(0, 4).Select(_ => server.Inference.ModelInferAsync(request).ResponseAsync).ToArray();
        var waited = Stopwatch.StartNew();
        while (scheduler.Pending < inFlight.Length && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(5);
        }

        Assert.Equal(inFlight.Length, scheduler.Pending);
        var stopping = server.Server.StopAsync();

        // Wait for readiness to turn off, however long the machine takes to get there; the drain cannot end first,
        // since the four calls are still waiting out their queue delay.
        waited.Restart();
        while (repository.IsReady && !stopping.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(5);
        }

        var readyDuringDrain = repository.IsReady;
        var stoppedBeforeReadinessOff = stopping.IsCompleted;
        var responses = await Task.WhenAll(inFlight);
        await stopping;
        await server.DisposeAsync();

        Assert.False(readyDuringDrain);
        Assert.False(stoppedBeforeReadinessOff, "The server stopped before its readiness turned off.");
        Assert.All(responses, r => Assert.Equal("slow", r.ModelName));
    }
}
