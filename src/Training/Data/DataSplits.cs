using MtlOnnx.Preprocessing;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>The splits of a job's data and what was measured on them.</summary>
public sealed class DataSplits
{
    /// <summary>Gets the training split.</summary>
    public required IDataset Train { get; init; }

    /// <summary>Gets the validation split, evaluated after each epoch.</summary>
    public required IDataset Validation { get; init; }

    /// <summary>Gets the test split, or <see langword="null"/> when the job has none.</summary>
    public IDataset? Test { get; init; }

    /// <summary>Gets the messages of bad rows that were skipped.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Gets the text preprocessor of text inputs, or <see langword="null"/>.</summary>
    public TextPreprocessor? Text { get; init; }

    /// <summary>Gets the tokenizer's vocabulary size for text inputs, or 0.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Gets the statistics of the regression targets, measured on the training split.</summary>
    public required IReadOnlyDictionary<string, TargetStatistics> TargetStatistics { get; init; }

    /// <summary>Gets the options that build the job's model from these splits.</summary>
    /// <returns>The build options.</returns>
    public ModelBuildOptions BuildOptions() => new() { TargetStatistics = TargetStatistics, VocabularySize = VocabularySize };

    /// <summary>
    /// Creates the loader the trainer draws its training batches from: reshuffled every epoch from the job's seed,
    /// augmented, and without the last partial batch when there is more than one batch.
    /// </summary>
    /// <param name="job">The job whose batch size, seed and prefetch depth apply.</param>
    /// <returns>The training loader.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    public BatchLoader TrainingLoader(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new BatchLoader(Train, new BatchLoaderOptions
        {
            BatchSize = job.Data.BatchSize,
            Shuffle = true,
            DropLast = Train.Count > job.Data.BatchSize,
            Augment = true,
            Seed = job.Seed,
            Prefetch = job.Data.Prefetch,
            TargetStatistics = TargetStatistics,
        });
    }

    /// <summary>
    /// Creates the loader the trainer evaluates a split with after each epoch: in order, not augmented, in batches of
    /// at least 256 rows.
    /// </summary>
    /// <param name="job">The job whose batch size, seed and prefetch depth apply.</param>
    /// <param name="dataset">The split to evaluate.</param>
    /// <returns>The evaluation loader.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> or <paramref name="dataset"/> is
    /// <see langword="null"/>.</exception>
    public BatchLoader EvaluationLoader(JobSpec job, IDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(dataset);
        return new BatchLoader(dataset, new BatchLoaderOptions
        {
            BatchSize = Math.Max(job.Data.BatchSize, 256),
            Seed = job.Seed,
            Prefetch = job.Data.Prefetch,
            TargetStatistics = TargetStatistics,
        });
    }
}
