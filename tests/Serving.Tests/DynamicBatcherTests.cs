using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MtlOnnx.Serving.Batching;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Tests.Infrastructure;

namespace MtlOnnx.Serving.Tests;

/// <summary>
/// The dynamic batcher on its own, in process, against a real ONNX Runtime session of the affine test model: when a
/// batch goes (full, or its oldest request has waited the delay, never earlier and never for a timer it need not
/// wait for) and what runs together.
/// </summary>
public sealed class DynamicBatcherTests : IDisposable
{
    private static readonly string[] s_outputs = ["y", "s"];

    private readonly AffineRunner _affine = new();
    private readonly ModelVersionStatistics _statistics = new();

    public void Dispose() => _affine.Dispose();

    [Fact]
    public async Task ZeroDelay_LoneRequestOnAnIdleBatcher_RunsBeforeRunAsyncReturns()
    {
        await using var batcher = Batcher(maxBatchSize: 8, delayMicroseconds: 0, instances: 2);

        // No worker thread, no timer: the call itself runs the model, so its task is complete when it returns.
        var task = batcher.RunAsync(Work(1f));
        Assert.True(task.IsCompleted, "A lone request with no queue delay waited for the batcher's worker.");

        var result = await task;
        Assert.Equal(1, result.ExecutionBatchSize);
        Assert.Equal([3f, 3f, 3f, 3f], Floats(result, "y"));
        Assert.Equal(1, _statistics.ExecutionCount);
    }

    [Fact]
    public async Task ZeroDelay_RequestsQueuedWhileTheInstanceIsBusy_RunAsOneBatch()
    {
        // One run slot, held by the test: the first request takes the instance and waits for the slot; the two that
        // arrive meanwhile must queue (not run inline beside it) and then go together.
        using var gate = new InferenceGate(Options.Create(new ServingOptions
        {
            Runtime = { InferenceThreads = 1, ConcurrentRuns = 1 },
        }));
        var executor = new ModelExecutor(_affine.Runner, gate, _statistics, "model 'affine' version 1");
        await using var batcher = new DynamicBatcher(executor,
            new SchedulerSettings(Dynamic: true, MaxBatchSize: 8, 0, MaxQueueSize: 64, Instances: 1), NullLogger.Instance);
        await gate.WaitAsync(CancellationToken.None);

        var first = batcher.RunAsync(Work(1f));
        var second = batcher.RunAsync(Work(2f));
        var third = batcher.RunAsync(Work(3f));
        gate.Release();
        var results = await Task.WhenAll(first, second, third).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, results[0].ExecutionBatchSize);
        Assert.Equal(2, results[1].ExecutionBatchSize);
        Assert.Equal(2, results[2].ExecutionBatchSize);
        Assert.Equal([5f, 5f, 5f, 5f], Floats(results[1], "y"));
        Assert.Equal([7f, 7f, 7f, 7f], Floats(results[2], "y"));
        Assert.Equal(2, _statistics.ExecutionCount);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(4_000)]
    public async Task LoneRequest_WithQueueDelay_WaitsTheDelayOutThenRunsAlone(long delayMicroseconds)
    {
        // 300 µs is shorter than a timer tick and is waited out without one; 4 ms takes a timer for all but the last
        // millisecond. Either way Triton's rule holds: a lone request goes when it has waited the delay, not before.
        await using var batcher = Batcher(maxBatchSize: 8, delayMicroseconds, instances: 1);

        var result = await batcher.RunAsync(Work(2f)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, result.ExecutionBatchSize);
        Assert.True(result.QueueNanoseconds >= delayMicroseconds * 1000,
            $"The request ran after {result.QueueNanoseconds} ns in the queue, before its delay of {delayMicroseconds} µs.");
        Assert.Equal([5f, 5f, 5f, 5f], Floats(result, "y"));
    }

    [Fact]
    public async Task FullBatch_RunsWithoutWaitingOutTheDelay()
    {
        // A delay of ten minutes: the test's 30 s limit only passes if a full batch goes at once.
        await using var batcher = Batcher(maxBatchSize: 4, delayMicroseconds: 600_000_000, instances: 1);

        var tasks = Enumerable.Range(0, 4).Select(i => batcher.RunAsync(Work(i))).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(4, r.ExecutionBatchSize));
        Assert.Equal(1, _statistics.ExecutionCount);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(i * 4f, Floats(results[i], "s")[0]);
        }
    }

    [Fact]
    public async Task RequestsArrivingWithinTheDelay_RunAsOneBatch_AtTheDelay()
    {
        // Three requests queued at once into a batch of eight: none fills it, so they go together when the first
        // has waited its 200 ms, each with its own rows of the outputs.
        const long delayMicroseconds = 200_000;
        await using var batcher = Batcher(maxBatchSize: 8, delayMicroseconds, instances: 1);

        var tasks = new[] { batcher.RunAsync(Work(1f)), batcher.RunAsync(Work(2f)), batcher.RunAsync(Work(3f)) };
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(3, r.ExecutionBatchSize));
        Assert.Equal(1, _statistics.ExecutionCount);
        Assert.True(results[0].QueueNanoseconds >= delayMicroseconds * 1000,
            $"The batch ran after {results[0].QueueNanoseconds} ns, before the delay of {delayMicroseconds} µs.");
        Assert.Equal([3f, 3f, 3f, 3f], Floats(results[0], "y"));
        Assert.Equal([5f, 5f, 5f, 5f], Floats(results[1], "y"));
        Assert.Equal([7f, 7f, 7f, 7f], Floats(results[2], "y"));
    }

    private DynamicBatcher Batcher(int maxBatchSize, long delayMicroseconds, int instances)
    {
        var executor = new ModelExecutor(_affine.Runner, _affine.Gate, _statistics, "model 'affine' version 1");
        var settings = new SchedulerSettings(Dynamic: true, maxBatchSize, delayMicroseconds, MaxQueueSize: 64,
            instances);
        return new DynamicBatcher(executor, settings, NullLogger.Instance);
    }

    private static InferenceWork Work(float value) =>
        new([AffineRunner.Row(value)], s_outputs, 1, CancellationToken.None);

    private static float[] Floats(InferResult result, string name) => AffineRunner.Floats(result.Find(name)!);
}
