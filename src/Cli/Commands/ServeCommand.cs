using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using MtlOnnx.Serving;

namespace MtlOnnx.Cli.Commands;

/// <summary>
/// <c>mtlonnx serve --repository DIR</c>: serves a model repository over gRPC (the Open Inference Protocol and the
/// typed multi-task API) until stopped with Ctrl+C or SIGTERM. Settings also come from <c>appsettings.json</c> in
/// the working folder, from <c>MTLONNX_Serving__*</c> environment variables, and from any
/// <c>--Serving:Key=value</c> argument; the options below win over all of them.
/// </summary>
public static class ServeCommand
{
    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var repository = new Option<DirectoryInfo>("--repository")
        {
            Description = "The model repository: DIR/<name>/<version>/model.onnx, with an optional DIR/<name>/config.pbtxt.",
            Required = true,
        };
        var address = new Option<string?>("--address") { Description = "The address to listen on (default 127.0.0.1; 0.0.0.0 for all)." };
        var port = new Option<int?>("--port") { Description = "The gRPC port (default 8001; 0 picks a free one)." };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "The HTTP port of /metrics (default 8002; -1 for none)." };
        var mode = new Option<ModelControlMode?>("--model-control-mode")
        {
            Description = "None (load all at start), Explicit (load on request) or Poll (watch the repository).",
        };
        var loadModels = new Option<string[]>("--load-model")
        {
            Description = "A model to load at start in Explicit mode; '*' for all. Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var pollSeconds = new Option<double?>("--poll-seconds") { Description = "How often Poll mode scans the repository." };
        var maxBatch = new Option<int?>("--max-batch-size") { Description = "The largest batch of models without a config.pbtxt." };
        var delay = new Option<long?>("--max-queue-delay-us") { Description = "How long a batch may wait for more requests, in µs." };
        var noBatching = new Option<bool>("--no-batching") { Description = "Run each request on its own (models without a config.pbtxt)." };
        var apiKeys = new Option<string[]>("--api-key") { Description = "An API key that inference calls must send. Repeatable." };

        var command = new Command("serve", "Serve a model repository over gRPC (Open Inference Protocol and the typed API).")
        {
            repository, address, port, metricsPort, mode, loadModels, pollSeconds, maxBatch, delay, noBatching, apiKeys,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>
            {
                ["Serving:Repository"] = parseResult.GetRequiredValue(repository).FullName,
            };
            void Set<T>(string key, T? value) where T : struct
            {
                if (value is { } v)
                {
                    overrides[key] = Convert.ToString(v, CultureInfo.InvariantCulture);
                }
            }

            if (parseResult.GetValue(address) is { } listen)
            {
                overrides["Serving:Address"] = listen;
            }

            Set("Serving:Port", parseResult.GetValue(port));
            Set("Serving:MetricsPort", parseResult.GetValue(metricsPort));
            Set("Serving:ModelControlMode", parseResult.GetValue(mode));
            Set("Serving:Batching:MaxBatchSize", parseResult.GetValue(maxBatch));
            Set("Serving:Batching:MaxQueueDelayMicroseconds", parseResult.GetValue(delay));
            if (parseResult.GetValue(pollSeconds) is { } seconds)
            {
                overrides["Serving:PollInterval"] = TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
            }

            if (parseResult.GetValue(noBatching))
            {
                overrides["Serving:Batching:Enabled"] = "false";
            }

            List(overrides, "Serving:LoadModels", parseResult.GetValue(loadModels));
            List(overrides, "Serving:Security:ApiKeys", parseResult.GetValue(apiKeys));
            return await RunAsync([.. parseResult.UnmatchedTokens], overrides, parseResult.InvocationConfiguration.Error,
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static void List(Dictionary<string, string?> overrides, string key, string[]? values)
    {
        for (var i = 0; i < (values?.Length ?? 0); i++)
        {
            overrides[$"{key}:{i}"] = values![i];
        }
    }

    private static async Task<int> RunAsync(string[] args, Dictionary<string, string?> overrides, TextWriter error,
        CancellationToken cancellationToken)
    {
        ServingServer server;
        try
        {
            server = await ServingServer.StartAsync(args, overrides, cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync($"mtlonnx serve: {failure}").ConfigureAwait(false);
            }

            return CommandErrors.InputError;
        }
        catch (IOException ex)
        {
            // Most often the port is taken.
            await error.WriteLineAsync($"mtlonnx serve: {ex.Message}").ConfigureAwait(false);
            return CommandErrors.InputError;
        }

        await using (server.ConfigureAwait(false))
        {
            try
            {
                await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: disposing the server stops it gracefully.
            }
        }

        return 0;
    }
}
