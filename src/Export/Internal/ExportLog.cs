using Microsoft.Extensions.Logging;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// The log messages of the export.
/// </summary>
internal static partial class ExportLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "Graph '{Graph}': {Nodes} nodes before the inference passes.")]
    public static partial void PassesStarting(ILogger logger, string graph, int nodes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Inference graph '{Graph}': {Before} nodes became {After}; {Parameters} parameters bound, " +
            "{Dropouts} dropouts removed, {BatchNorms} batch normalizations folded, {Constants} constants folded.")]
    public static partial void PassesDone(
        ILogger logger, string graph, int before, int after, int parameters, int dropouts, int batchNorms, int constants);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Verified '{Model}' against the eval graph: largest difference {Difference:E2} on {Outputs} outputs.")]
    public static partial void Verified(ILogger logger, string model, double difference, int outputs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "{Precision} model: {Size} bytes ({Ratio:P0} of float32); task '{Task}' {Metric} {Reference:F4} -> {Value:F4}.")]
    public static partial void PrecisionMetric(
        ILogger logger,
        ExportPrecision precision,
        long size,
        double ratio,
        string task,
        string metric,
        double reference,
        double value);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "Exported model '{Name}' version {Version} to '{Directory}'.")]
    public static partial void Exported(ILogger logger, string name, string version, string directory);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "Replacing version {Version} of model '{Name}' because force was given.")]
    public static partial void Replacing(ILogger logger, string name, string version);
}
