using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MtlOnnx.Serving;

/// <summary>
/// A running MtlOnnx server: started, with its models loaded and warmed up, and the addresses it listens on.
/// </summary>
public sealed class ServingServer : IAsyncDisposable
{
    private ServingServer(WebApplication app, Uri grpcAddress, Uri? metricsAddress)
    {
        App = app;
        GrpcAddress = grpcAddress;
        MetricsAddress = metricsAddress;
    }

    /// <summary>Gets the application.</summary>
    public WebApplication App { get; }

    /// <summary>Gets the gRPC address, with the port actually bound.</summary>
    public Uri GrpcAddress { get; }

    /// <summary>Gets the HTTP/1.1 metrics address, or <see langword="null"/> when metrics share the gRPC port.</summary>
    public Uri? MetricsAddress { get; }

    /// <summary>Gets the application's services.</summary>
    public IServiceProvider Services => App.Services;

    /// <summary>Builds and starts a server.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="overrides">Settings that win over every other source, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The configuration is not valid.</exception>
    public static async Task<ServingServer> StartAsync(string[] args,
        IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var app = ServingHost.Build(ServingHost.CreateBuilder(args, overrides));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Kestrel lists its bound addresses in the order the endpoints were declared: gRPC first, then metrics.
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.Select(a => new Uri(a)).ToArray();
        var metrics = addresses.Length > 1 ? addresses[1] : null;
        var server = new ServingServer(app, addresses[0], metrics);
        var repository = app.Services.GetRequiredService<Repository.ModelRepository>();
        var logger = app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()
            .CreateLogger("MtlOnnx.Serving");
        var models = repository.Served.Count;
        var grpc = addresses[0].ToString();
        Hosting.HostLog.Started(logger, models, repository.Root, grpc);
        return server;
    }

    /// <summary>Waits until the server is shut down (Ctrl+C, SIGTERM or <see cref="StopAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes at shutdown.</returns>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) =>
        App.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the server gracefully: readiness off, in-flight requests drained, models released.</summary>
    /// <param name="cancellationToken">Ends the drain early.</param>
    /// <returns>A task that completes when stopped.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
