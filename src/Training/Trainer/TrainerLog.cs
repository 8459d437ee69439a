using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Trainer;

/// <summary>Log messages of the trainer.</summary>
internal static partial class TrainerLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Resumed from {Checkpoint} at epoch {Epoch}, batch {Batch}.")]
    public static partial void Resumed(ILogger logger, string checkpoint, int epoch, int batch);
}
