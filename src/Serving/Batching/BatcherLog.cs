using Microsoft.Extensions.Logging;

namespace MtlOnnx.Serving.Batching;

/// <summary>Log messages of the schedulers.</summary>
internal static partial class BatcherLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "A batch of {Model} failed unexpectedly.")]
    public static partial void BatchFailed(ILogger logger, string model, Exception exception);
}
