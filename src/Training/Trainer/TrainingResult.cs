namespace MtlOnnx.Training.Trainer;

/// <summary>What a training run produced.</summary>
public sealed class TrainingResult
{
    /// <summary>Gets whether the run was interrupted (Ctrl+C) and saved a checkpoint to resume from.</summary>
    public required bool Interrupted { get; init; }

    /// <summary>Gets the epochs recorded, resumed ones included.</summary>
    public required IReadOnlyList<EpochRecord> History { get; init; }

    /// <summary>Gets the zero-based epoch of the best checkpoint, or -1 when no epoch finished.</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Gets the best checkpoint's path, or <see langword="null"/> when none was written.</summary>
    public string? BestCheckpoint { get; init; }

    /// <summary>Gets the last checkpoint's path (the one <c>--resume</c> reads).</summary>
    public required string LastCheckpoint { get; init; }

    /// <summary>Gets the best checkpoint's validation result, or <see langword="null"/>.</summary>
    public EvaluationResult? Validation { get; init; }

    /// <summary>Gets the best checkpoint's test result, or <see langword="null"/> when the job has no test split.</summary>
    public EvaluationResult? Test { get; init; }

    /// <summary>Gets the report page's path, or <see langword="null"/> when interrupted before an epoch finished.</summary>
    public string? ReportPath { get; init; }

    /// <summary>Gets the output folder.</summary>
    public required string OutputDirectory { get; init; }
}
