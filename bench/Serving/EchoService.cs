using Grpc.Core;

namespace MtlOnnx.Serving.Bench;

/// <summary>Returns each message unchanged: the cost of a gRPC round trip with nothing behind it.</summary>
internal sealed class EchoService : Echo.EchoBase
{
    public override Task<EchoMessage> Echo(EchoMessage request, ServerCallContext context) => Task.FromResult(request);
}
