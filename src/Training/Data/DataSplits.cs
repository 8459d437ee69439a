using MtlOnnx.Preprocessing;
using MtlOnnx.Training.Architectures;

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
}
