namespace MtlOnnx.Training.Architectures;

/// <summary>What building a model needs beyond the job: facts measured on the data and the tokenizer.</summary>
public sealed class ModelBuildOptions
{
    /// <summary>Gets the statistics of each regression task's targets, keyed by task name.</summary>
    public IReadOnlyDictionary<string, TargetStatistics> TargetStatistics { get; init; } =
        new Dictionary<string, TargetStatistics>(StringComparer.Ordinal);

    /// <summary>Gets the tokenizer's vocabulary size, for text inputs. The default is 0.</summary>
    public int VocabularySize { get; init; }
}
