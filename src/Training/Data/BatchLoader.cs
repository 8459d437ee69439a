using System.Threading.Channels;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>
/// Cuts a data set into batches: seeded shuffling per epoch, standardised regression targets, and a background
/// producer that fills a bounded number of reusable batches ahead of the consumer, so that the training step does
/// not wait when loading is cheaper than a step.
/// </summary>
/// <remarks>
/// A batch yielded by <see cref="Epoch"/> stays valid until the enumerator moves on: its buffers are then reused.
/// Copy what must outlive the step. One enumeration at a time per loader.
/// </remarks>
public sealed class BatchLoader
{
    private readonly IDataset _dataset;
    private readonly BatchLoaderOptions _options;
    private readonly (int Task, double[] Mean, double[] Std)[] _standardize;

    /// <summary>Initializes a loader.</summary>
    /// <param name="dataset">The data set.</param>
    /// <param name="options">The batching options.</param>
    public BatchLoader(IDataset dataset, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        _dataset = dataset;
        _options = options;
        var standardize = new List<(int, double[], double[])>();
        for (var t = 0; t < dataset.Layout.Tasks.Count; t++)
        {
            var task = dataset.Layout.Tasks[t];
            if (task.Kind == TaskKind.Regression && options.TargetStatistics.TryGetValue(task.Name, out var stats))
            {
                standardize.Add((t, stats.Mean.ToArray(), stats.Std.ToArray()));
            }
        }

        _standardize = [.. standardize];
    }

    /// <summary>Gets the data set.</summary>
    public IDataset Dataset => _dataset;

    /// <summary>Gets the batch size.</summary>
    public int BatchSize => _options.BatchSize;

    /// <summary>Gets the number of batches per epoch.</summary>
    public int BatchCount => _options.DropLast
        ? _dataset.Count / _options.BatchSize
        : (_dataset.Count + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>Measures the mean and standard deviation of every regression task's targets over a data set.</summary>
    /// <param name="dataset">The data set, usually the training split.</param>
    /// <returns>The statistics, keyed by task name; a constant target gets a standard deviation of 1.</returns>
    public static Dictionary<string, TargetStatistics> MeasureTargets(IDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var result = new Dictionary<string, TargetStatistics>(StringComparer.Ordinal);
        var tasks = dataset.Layout.Tasks;
        if (!tasks.Any(t => t.Kind == TaskKind.Regression))
        {
            return result;
        }

        const int Chunk = 256;
        var batch = new Batch(dataset.Layout, Chunk);
        var sums = tasks.Select(t => new double[t.OutputCount]).ToArray();
        var squares = tasks.Select(t => new double[t.OutputCount]).ToArray();
        var counts = new long[tasks.Count];
        for (var start = 0; start < dataset.Count; start += Chunk)
        {
            var rows = Math.Min(Chunk, dataset.Count - start);
            for (var r = 0; r < rows; r++)
            {
                dataset.ReadLabels(start + r, batch, r);
            }

            for (var t = 0; t < tasks.Count; t++)
            {
                if (tasks[t].Kind != TaskKind.Regression)
                {
                    continue;
                }

                var labels = batch.Tasks[t];
                for (var r = 0; r < rows; r++)
                {
                    if (labels.Mask[r] == 0)
                    {
                        continue;
                    }

                    counts[t]++;
                    for (var d = 0; d < labels.Width; d++)
                    {
                        double v = labels.Values[(r * labels.Width) + d];
                        sums[t][d] += v;
                        squares[t][d] += v * v;
                    }
                }
            }
        }

        for (var t = 0; t < tasks.Count; t++)
        {
            if (tasks[t].Kind != TaskKind.Regression)
            {
                continue;
            }

            var n = Math.Max(1, counts[t]);
            var mean = sums[t].Select(s => s / n).ToArray();
            var std = squares[t].Select((s, d) =>
            {
                var variance = Math.Max(0, (s / n) - (mean[d] * mean[d]));
                var deviation = Math.Sqrt(variance);
                return deviation > 1e-12 ? deviation : 1.0;
            }).ToArray();
            result[tasks[t].Name] = new TargetStatistics(mean, std);
        }

        return result;
    }

    /// <summary>Returns the sample order of an epoch: the identity, or a permutation seeded by the job seed and the epoch.</summary>
    /// <param name="epoch">The epoch.</param>
    /// <returns>The order.</returns>
    public int[] Order(int epoch)
    {
        if (!_options.Shuffle)
        {
            var identity = new int[_dataset.Count];
            for (var i = 0; i < identity.Length; i++)
            {
                identity[i] = i;
            }

            return identity;
        }

        return SeededRandom.Derive((ulong)_options.Seed, 0x5A0F, (ulong)epoch).Permutation(_dataset.Count);
    }

    /// <summary>Enumerates the batches of one epoch.</summary>
    /// <param name="epoch">The epoch, which seeds the order and the augmentation.</param>
    /// <param name="skipBatches">The number of leading batches to skip, to resume mid-epoch.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The batches; each is valid until the next one is requested.</returns>
    /// <exception cref="DataSourceException">A sample cannot be read.</exception>
    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0, CancellationToken cancellationToken = default)
    {
        var order = Order(epoch);
        var context = new SampleContext(_options.Seed, epoch, _options.Augment);
        return _options.Prefetch == 0
            ? Synchronous(order, context, skipBatches, cancellationToken)
            : Prefetched(order, context, skipBatches, cancellationToken);
    }

    private IEnumerable<Batch> Synchronous(int[] order, SampleContext context, int skip, CancellationToken token)
    {
        var batch = new Batch(_dataset.Layout, _options.BatchSize);
        for (var b = skip; b < BatchCount; b++)
        {
            token.ThrowIfCancellationRequested();
            Fill(batch, order, b, context);
            yield return batch;
        }
    }

    private IEnumerable<Batch> Prefetched(int[] order, SampleContext context, int skip, CancellationToken token)
    {
        // Two bounded channels: empty buffers go to the producer, full ones come back. The consumer returns a
        // batch when it asks for the next, so at most Prefetch + 2 batches exist and nothing is allocated per batch.
        var pool = Channel.CreateBounded<Batch>(_options.Prefetch + 2);
        var ready = Channel.CreateBounded<Batch>(new BoundedChannelOptions(_options.Prefetch) { SingleReader = true, SingleWriter = true });
        for (var i = 0; i < _options.Prefetch + 1; i++)
        {
            pool.Writer.TryWrite(new Batch(_dataset.Layout, _options.BatchSize));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    for (var b = skip; b < BatchCount; b++)
                    {
                        var batch = await pool.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                        Fill(batch, order, b, context);
                        await ready.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);
                    }

                    ready.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    ready.Writer.TryComplete(ex);
                }
            },
            CancellationToken.None);

        Batch? previous = null;
        try
        {
            while (true)
            {
                if (previous is not null)
                {
                    pool.Writer.TryWrite(previous);
                    previous = null;
                }

                Batch next;
                try
                {
                    if (!ready.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult() ||
                        !ready.Reader.TryRead(out next!))
                    {
                        break;
                    }
                }
                catch (ChannelClosedException ex) when (ex.InnerException is not null)
                {
                    throw ex.InnerException is DataSourceException data
                        ? new DataSourceException(data.Message, data)
                        : new DataSourceException($"Loading a batch of {_dataset.Description} failed: {ex.InnerException.Message}",
                            ex.InnerException);
                }

                previous = next;
                yield return next;
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                producer.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped early; the producer was told to stop.
            }
        }
    }

    private void Fill(Batch batch, int[] order, int batchIndex, SampleContext context)
    {
        var start = batchIndex * _options.BatchSize;
        var rows = Math.Min(_options.BatchSize, order.Length - start);
        batch.Count = rows;
        if (_options.Workers > 1 && rows > 1)
        {
            Parallel.For(
                0,
                rows,
                new ParallelOptions { MaxDegreeOfParallelism = _options.Workers },
                r => ReadRow(batch, order, start, r, context));
        }
        else
        {
            for (var r = 0; r < rows; r++)
            {
                ReadRow(batch, order, start, r, context);
            }
        }

        foreach (var (task, mean, std) in _standardize)
        {
            var labels = batch.Tasks[task];
            var width = labels.Width;
            for (var r = 0; r < rows; r++)
            {
                if (labels.Mask[r] == 0)
                {
                    continue;
                }

                for (var d = 0; d < width; d++)
                {
                    ref var v = ref labels.Values[(r * width) + d];
                    v = (float)((v - mean[d]) / std[d]);
                }
            }
        }
    }

    private void ReadRow(Batch batch, int[] order, int start, int row, SampleContext context)
    {
        var index = order[start + row];
        batch.Indices[row] = index;
        _dataset.Read(index, batch, row, context);
    }
}
