using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Devices;

/// <summary>Log messages of device selection.</summary>
internal static partial class TrainingDeviceLog
{
    [LoggerMessage(
        EventId = 1,
        Level = LogLevel.Warning,
        Message = "Device 'auto': CUDA is not available ({Reason}); training runs on the CPU.")]
    public static partial void CudaFallback(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Training device resolved to {Device}.")]
    public static partial void Resolved(ILogger logger, string device);
}
