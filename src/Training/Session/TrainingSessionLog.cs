using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Session;

/// <summary>Log messages of training sessions.</summary>
internal static partial class TrainingSessionLog
{
    [LoggerMessage(
        EventId = 1,
        Level = LogLevel.Information,
        Message = "Training session on {Device}: {Tensors} trainable tensors ({Values} values), {Frozen} frozen; " +
            "optimizer {Optimizer}, run by the {Execution} path.")]
    public static partial void Created(
        ILogger logger,
        string device,
        int tensors,
        long values,
        int frozen,
        MtlOnnx.Training.Optimizers.OptimizerKind optimizer,
        OptimizerExecution execution);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Saved checkpoint '{Path}' at step {Step}.")]
    public static partial void CheckpointSaved(ILogger logger, string path, long step);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Loaded checkpoint '{Path}' at step {Step}.")]
    public static partial void CheckpointLoaded(ILogger logger, string path, long step);

    [LoggerMessage(
        EventId = 4,
        Level = LogLevel.Information,
        Message = "Exported inference model '{Path}' with outputs {Outputs}.")]
    public static partial void Exported(ILogger logger, string path, IEnumerable<string> outputs);
}
