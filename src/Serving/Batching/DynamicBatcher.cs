using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace MtlOnnx.Serving.Batching;

/// <summary>
/// Gathers the requests of one model version into batches: up to the maximum batch size, waiting at most the
/// maximum queue delay after the first request of a batch, with a bounded queue. Several workers (instances) form
/// and run batches at once; requests whose shapes differ past the batch dimension run in separate batches.
/// </summary>
internal sealed class DynamicBatcher : IInferenceScheduler
{
    /// <summary>How close to its deadline a wait stops trusting a timer: one millisecond, the timers' tick.</summary>
    private static readonly long s_timerSlackTicks = Clock.TicksFromMicroseconds(1000);

    private readonly ModelExecutor _executor;
    private readonly SchedulerSettings _settings;
    private readonly ILogger _logger;
    private readonly Channel<InferenceWork> _queue;
    private readonly Task[] _workers;
    private readonly long _delayTicks;
    private readonly SemaphoreSlim _instances;
    private int _pending;
    private volatile bool _closed;

    /// <summary>Initializes a batcher and starts its workers.</summary>
    /// <param name="executor">Runs the batches.</param>
    /// <param name="settings">The batch size, delay, queue size and instance count.</param>
    /// <param name="logger">The logger.</param>
    public DynamicBatcher(ModelExecutor executor, SchedulerSettings settings, ILogger logger)
    {
        _executor = executor;
        _settings = settings;
        _logger = logger;
        _delayTicks = Clock.TicksFromMicroseconds(settings.MaxQueueDelayMicroseconds);
        _queue = Channel.CreateBounded<InferenceWork>(new BoundedChannelOptions(settings.MaxQueueSize)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = settings.Instances == 1,
        });
        _instances = new SemaphoreSlim(Math.Max(1, settings.Instances), Math.Max(1, settings.Instances));
        _workers = new Task[Math.Max(1, settings.Instances)];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }
    }

    /// <inheritdoc />
    public int Pending => Volatile.Read(ref _pending);

    /// <inheritdoc />
    public async Task<InferResult> RunAsync(InferenceWork work)
    {
        if (work.BatchSize > _settings.MaxBatchSize)
        {
            throw ServingException.Invalid(
                $"The request has a batch of {work.BatchSize}, more than the {_settings.MaxBatchSize} that " +
                $"{_executor.Label} accepts.");
        }

        // The only request in flight, an instance idle and no delay to wait out: run here and now, as the direct
        // scheduler would, without the hops to a worker thread and back. Any other request in flight means load: then
        // the request queues, so that requests parsed while the instances run gather into the next batch. Were they
        // all run inline, the threads that parse requests would be the ones running the model, and no batch would form.
        var inFlight = Interlocked.Increment(ref _pending);
        try
        {
            if (inFlight == 1 && _delayTicks == 0 && !_closed && _queue.Reader.Count == 0 && _instances.Wait(0))
            {
                try
                {
                    await _executor.ExecuteAsync([work], work.BatchSize, work.OutputNames, work.CancellationToken)
                        .ConfigureAwait(false);
                    return await work.Completion.ConfigureAwait(false);
                }
                finally
                {
                    _instances.Release();
                }
            }

            if (_closed || !_queue.Writer.TryWrite(work))
            {
                throw _closed
                    ? new ServingException(Grpc.Core.StatusCode.Unavailable, $"{_executor.Label} is unloading.")
                    : new ServingException(Grpc.Core.StatusCode.ResourceExhausted,
                        $"The queue of {_executor.Label} is full ({_settings.MaxQueueSize} requests); retry later.");
            }

            using var registration = work.CancellationToken.Register(static state => ((InferenceWork)state!).Cancel(), work);
            return await work.Completion.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Closing the writer lets the workers finish what is queued, then stop.
        _closed = true;
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        while (Volatile.Read(ref _pending) > 0)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }

        _instances.Dispose();
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        InferenceWork? held = null;
        var batch = new List<InferenceWork>(_settings.MaxBatchSize);
        while (true)
        {
            InferenceWork first;
            if (held is not null)
            {
                first = held;
                held = null;
            }
            else if (!reader.TryRead(out first!))
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (first.IsDone)
            {
                continue;
            }

            // An instance first, then the batch: while every instance is busy the queue keeps growing, and the
            // batch formed once one is free holds all of it.
            await _instances.WaitAsync().ConfigureAwait(false);
            batch.Clear();
            batch.Add(first);
            var rows = first.BatchSize;
            held = await FillAsync(reader, batch, rows).ConfigureAwait(false);
            rows = 0;
            foreach (var work in batch)
            {
                rows += work.BatchSize;
            }

            try
            {
                await _executor.ExecuteAsync(batch, rows, null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                // The executor completes every request itself; anything reaching here is our own fault.
                BatcherLog.BatchFailed(_logger, _executor.Label, error);
                foreach (var work in batch)
                {
                    work.Fail(new ServingException(Grpc.Core.StatusCode.Internal,
                        $"The batch of {_executor.Label} failed unexpectedly.", error));
                }
            }
            finally
            {
                _instances.Release();
            }
        }
    }

    private async Task<InferenceWork?> FillAsync(ChannelReader<InferenceWork> reader, List<InferenceWork> batch,
        long rows)
    {
        var first = batch[0];
        var deadline = first.EnqueuedAt + _delayTicks;
        while (rows < _settings.MaxBatchSize)
        {
            if (reader.TryRead(out var next))
            {
                if (next.IsDone)
                {
                    continue;
                }

                if (rows + next.BatchSize > _settings.MaxBatchSize || !TensorBatching.Compatible(first.Inputs, next.Inputs))
                {
                    return next;
                }

                batch.Add(next);
                rows += next.BatchSize;
                continue;
            }

            // Triton's rule: the batch goes as soon as it is full or its oldest request has waited the delay; a lone
            // request waits the delay out (it is what the delay is for), but never longer.
            var remaining = deadline - Clock.Now;
            if (remaining <= 0)
            {
                return null;
            }

            // .NET timers count whole milliseconds and may fire late by a tick, so a timer covers all but the last
            // millisecond and the rest is waited out short of a timer.
            var timerMilliseconds = Clock.Nanoseconds(0, remaining - s_timerSlackTicks) / 1_000_000;
            if (timerMilliseconds < 1)
            {
                if (!YieldUntilQueuedOrDue(reader, deadline))
                {
                    return null;
                }

                continue;
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(timerMilliseconds));
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (OperationCanceledException)
            {
                // The timer fired; the loop reads what came meanwhile and waits out the rest.
            }
        }

        return null;
    }

    /// <summary>
    /// Waits, on this thread, until a request is queued or the deadline passes; used for waits shorter than a timer
    /// tick. Yielding rather than sleeping keeps the wait to the microsecond and gives the core to any other thread
    /// that can run, so on a busy machine the wait costs little.
    /// </summary>
    /// <returns><see langword="true"/> when a request is queued; <see langword="false"/> at the deadline.</returns>
    private static bool YieldUntilQueuedOrDue(ChannelReader<InferenceWork> reader, long deadline)
    {
        var spinner = default(SpinWait);
        while (reader.Count == 0)
        {
            if (Clock.Now >= deadline)
            {
                return false;
            }

            // Never Thread.Sleep(1): it would overshoot a sub-millisecond deadline by a whole tick.
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return true;
    }
}
