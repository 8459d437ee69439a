using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>Log messages of gradient graph construction.</summary>
internal static partial class AutodiffLog
{
    [LoggerMessage(
        EventId = 1,
        Level = LogLevel.Debug,
        Message = "Differentiating {LossCount} losses with respect to {TensorCount} tensors ({PerLossCount} per loss) at opset {Opset}.")]
    public static partial void Starting(ILogger logger, int lossCount, int tensorCount, int perLossCount, int opset);

    [LoggerMessage(
        EventId = 2,
        Level = LogLevel.Debug,
        Message = "Built the gradient graph: {ForwardNodes} forward nodes, {AddedNodes} added nodes, in {ElapsedMs} ms.")]
    public static partial void Built(ILogger logger, int forwardNodes, int addedNodes, long elapsedMs);

    [LoggerMessage(
        EventId = 3,
        Level = LogLevel.Debug,
        Message = "BatchNormalization '{Node}' runs in training mode: its batch statistics are built from primitives.")]
    public static partial void BatchNormRewritten(ILogger logger, string node);

    [LoggerMessage(
        EventId = 4,
        Level = LogLevel.Warning,
        Message = "Node '{Node}': the shape of '{Tensor}' is not known, so its broadcast axes are found at run time " +
            "(Shape, Equal and NonZero nodes each step). Declare the input shapes to get static axes.")]
    public static partial void DynamicBroadcast(ILogger logger, string node, string tensor);

    [LoggerMessage(
        EventId = 5,
        Level = LogLevel.Debug,
        Message = "Gradient '{Output}' needs an Identity node: the value it holds is also a forward tensor or another output.")]
    public static partial void IdentityOutput(ILogger logger, string output);

    [LoggerMessage(
        EventId = 6,
        Level = LogLevel.Debug,
        Message = "Conv '{Node}' and the {Block}x{Block} max-pool after it run as one polyphase convolution.")]
    public static partial void ConvPoolRewritten(ILogger logger, string node, long block);
}
