using Microsoft.Extensions.Logging;

namespace MtlOnnx.Serving.Repository;

/// <summary>Log messages of the model repository.</summary>
internal static partial class RepositoryLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Loaded model {Model} version {Version} (max batch {MaxBatchSize}, dynamic batching {Dynamic}) in {Milliseconds} ms.")]
    public static partial void Loaded(ILogger logger, string model, long version, int maxBatchSize, bool dynamic,
        long milliseconds);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Model {Model} version {Version} failed to load: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string model, long version, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Retiring model {Model} version {Version}.")]
    public static partial void Retiring(ILogger logger, string model, long version);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Model {Model} version {Version} drained and released.")]
    public static partial void Retired(ILogger logger, string model, long version);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Model {Model} cannot be loaded: {Reason}")]
    public static partial void ModelFailed(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Ignoring repository folder '{Folder}': not a valid model name.")]
    public static partial void IgnoredFolder(ILogger logger, string folder);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Polling the model repository failed.")]
    public static partial void PollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Unloaded model {Model}.")]
    public static partial void Unloaded(ILogger logger, string model);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning,
        Message = "Model {Model} version {Version}: outputs do not match their declared shapes; they are no longer pre-allocated.")]
    public static partial void PreallocationDisabled(ILogger logger, string model, long version);
}
