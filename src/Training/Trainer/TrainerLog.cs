using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Trainer;

/// <summary>Log messages of the trainer.</summary>
internal static partial class TrainerLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Resumed from {Checkpoint} at epoch {Epoch}, batch {Batch}.")]
    public static partial void Resumed(ILogger logger, string checkpoint, int epoch, int batch);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Training steps run in {Shards} batch shard(s) at once.")]
    public static partial void StepShards(ILogger logger, int shards);
}
