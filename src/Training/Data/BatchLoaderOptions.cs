using MtlOnnx.Training.Architectures;

namespace MtlOnnx.Training.Data;

/// <summary>How a <see cref="BatchLoader"/> batches a data set.</summary>
public sealed class BatchLoaderOptions
{
    /// <summary>Gets the batch size. The default is 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Gets whether the order is shuffled each epoch (seeded by the job seed and the epoch). The default is false.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Gets whether a last, partial batch is dropped. The default is false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Gets whether training-time augmentation applies. The default is false.</summary>
    public bool Augment { get; init; }

    /// <summary>Gets the job seed. The default is 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Gets the number of batches prepared ahead on a background thread; 0 loads on the caller's thread. The default
    /// is 2.
    /// </summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>Gets the number of threads that fill one batch's rows. The default is 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Gets the statistics that standardise regression targets, keyed by task name; none by default.</summary>
    public IReadOnlyDictionary<string, TargetStatistics> TargetStatistics { get; init; } =
        new Dictionary<string, TargetStatistics>(StringComparer.Ordinal);
}
