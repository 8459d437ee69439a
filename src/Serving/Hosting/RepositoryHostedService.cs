using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Repository;

namespace MtlOnnx.Serving.Hosting;

/// <summary>
/// Loads the repository when the host starts, polls it in poll mode, and turns readiness off as soon as shutdown
/// begins so that load balancers stop sending while Kestrel drains the requests in flight.
/// </summary>
internal sealed class RepositoryHostedService : BackgroundService
{
    private readonly ModelRepository _repository;
    private readonly ServingOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly InferenceGate _gate;
    private readonly ILogger _logger;

    /// <summary>Initializes the service.</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="options">The server options.</param>
    /// <param name="lifetime">The host lifetime.</param>
    /// <param name="gate">The thread budget, logged at start.</param>
    /// <param name="logger">The logger.</param>
    public RepositoryHostedService(ModelRepository repository, IOptions<ServingOptions> options,
        IHostApplicationLifetime lifetime, InferenceGate gate, ILogger<RepositoryHostedService> logger)
    {
        _repository = repository;
        _options = options.Value;
        _lifetime = lifetime;
        _gate = gate;
        _logger = logger;
    }

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        HostLog.Threads(_logger, _gate.TotalThreads, _gate.ConcurrentRuns, _gate.ThreadsPerRun);
        _lifetime.ApplicationStopping.Register(() =>
        {
            HostLog.Stopping(_logger);
            _repository.BeginShutdown();
        });

        // Models load and warm up before the host reports started; the server is not ready until then.
        await _repository.StartAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.ModelControlMode != ModelControlMode.Poll)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await _repository.PollAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    RepositoryLog.PollFailed(_logger, error);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
    }
}
