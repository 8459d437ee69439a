using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace MtlOnnx.Serving.Security;

/// <summary>Log messages of authentication.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Refused {Method} from {Peer}: {Code}.")]
    public static partial void Refused(ILogger logger, string method, string peer, StatusCode code);
}
