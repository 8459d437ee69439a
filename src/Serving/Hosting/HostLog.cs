using Microsoft.Extensions.Logging;

namespace MtlOnnx.Serving.Hosting;

/// <summary>Log messages of the host.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unexpected error in {Method}.")]
    public static partial void UnexpectedError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "MtlOnnx server ready: {Models} model(s) from {Repository}; gRPC on {Address}.")]
    public static partial void Started(ILogger logger, int models, string repository, string address);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Shutting down: readiness off, draining requests.")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Inference threads: {Threads} in all, {Runs} concurrent run(s) of {PerRun} thread(s).")]
    public static partial void Threads(ILogger logger, int threads, int runs, int perRun);
}
