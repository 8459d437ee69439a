using Grpc.Health.V1;
using Grpc.Net.Client;
using MtlOnnx.Serving.Protocol;
using MtlOnnx.Serving.Protocol.V1;

namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>A real server on a free loopback port, with a .NET gRPC channel and clients to it.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private ServerHarness(ServingServer server, GrpcChannel channel)
    {
        Server = server;
        Channel = channel;
        Inference = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        MultiTask = new MultiTask.MultiTaskClient(channel);
        Health = new Health.HealthClient(channel);
    }

    public ServingServer Server { get; }

    public GrpcChannel Channel { get; }

    public GRPCInferenceService.GRPCInferenceServiceClient Inference { get; }

    public MultiTask.MultiTaskClient MultiTask { get; }

    public Health.HealthClient Health { get; }

    /// <summary>Starts a server on a repository with test defaults (loopback, free ports, quiet logs).</summary>
    public static async Task<ServerHarness> StartAsync(string repository, IDictionary<string, string?>? settings = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Serving:Repository"] = repository,
            ["Serving:Address"] = "127.0.0.1",
            ["Serving:Port"] = "0",
            ["Serving:MetricsPort"] = "0",
            ["Serving:DrainTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var server = await ServingServer.StartAsync([], overrides);
        var channel = GrpcChannel.ForAddress(server.GrpcAddress, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        });
        return new ServerHarness(server, channel);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
    }
}
