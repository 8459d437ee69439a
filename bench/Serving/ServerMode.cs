using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MtlOnnx.Serving.Bench;

/// <summary>The child process: the MtlOnnx server plus the echo service, until its standard input closes.</summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync(string repository, bool batching, long delayMicroseconds)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Serving:Repository"] = repository,
            ["Serving:Port"] = "0",
            ["Serving:MetricsPort"] = "0",
            ["Serving:Batching:Enabled"] = batching ? "true" : "false",
            ["Serving:Batching:MaxQueueDelayMicroseconds"] = delayMicroseconds.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        await using var server = await ServingServer.StartAsync([], overrides);

        // The echo service gets the same Kestrel and gRPC settings as the server: HTTP/2 in clear text, 16 MiB messages.
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        await using var echo = builder.Build();
        echo.MapGrpcService<EchoService>();
        await echo.StartAsync();
        var echoPort = new Uri(echo.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.First()).Port;

        Console.WriteLine($"READY {server.GrpcAddress.Port} {server.MetricsAddress!.Port} {echoPort}");
        await Console.In.ReadToEndAsync();
        await echo.StopAsync();
        return 0;
    }
}
