using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace MtlOnnx.Serving.Hosting;

/// <summary>Checks the server options at start-up, so that a bad setting stops the server with a message naming it.</summary>
internal sealed class ServingOptionsValidator : IValidateOptions<ServingOptions>
{
    /// <summary>Returns the problems of a set of options.</summary>
    /// <param name="options">The options.</param>
    /// <returns>One message per problem; empty when the options are valid.</returns>
    public static List<string> Problems(ServingOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Repository))
        {
            problems.Add("Serving:Repository is required: the folder of models to serve (--repository DIR).");
        }
        else if (!Directory.Exists(options.Repository))
        {
            problems.Add($"Serving:Repository '{options.Repository}' is not a folder.");
        }

        if (!TryParseAddress(options.Address, out _))
        {
            problems.Add($"Serving:Address '{options.Address}' is not an IP address (or 'localhost', '*').");
        }

        Range(problems, "Serving:Port", options.Port, 0, 65535);
        Range(problems, "Serving:MetricsPort", options.MetricsPort, -1, 65535);
        if (options.MetricsPort > 0 && options.MetricsPort == options.Port)
        {
            problems.Add($"Serving:MetricsPort {options.MetricsPort} is the gRPC port; use another port, or -1.");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            problems.Add($"Serving:PollInterval {options.PollInterval} must be positive.");
        }

        if (options.ModelControlMode != ModelControlMode.Explicit && options.LoadModels.Count > 0)
        {
            problems.Add("Serving:LoadModels is used in model control mode Explicit only.");
        }

        var runtime = options.Runtime;
        Range(problems, "Serving:Runtime:InferenceThreads", runtime.InferenceThreads, 0, 1024);
        Range(problems, "Serving:Runtime:ConcurrentRuns", runtime.ConcurrentRuns, 0, 1024);

        var batching = options.Batching;
        Range(problems, "Serving:Batching:MaxBatchSize", batching.MaxBatchSize, 1, 65536);
        Range(problems, "Serving:Batching:MaxQueueSize", batching.MaxQueueSize, 1, 1_000_000);
        Range(problems, "Serving:Batching:Instances", batching.Instances, 1, 256);
        if (batching.MaxQueueDelayMicroseconds < 0 || batching.MaxQueueDelayMicroseconds > 10_000_000)
        {
            problems.Add($"Serving:Batching:MaxQueueDelayMicroseconds {batching.MaxQueueDelayMicroseconds} must be 0 to 10,000,000.");
        }

        var limits = options.Limits;
        Range(problems, "Serving:Limits:MaxRequestBytes", limits.MaxRequestBytes, 1024, int.MaxValue - 64);
        Range(problems, "Serving:Limits:MaxDecompressedBytes", limits.MaxDecompressedBytes, 0, int.MaxValue - 64);
        Range(problems, "Serving:Limits:MaxImageBytes", limits.MaxImageBytes, 1, int.MaxValue);
        Range(problems, "Serving:Limits:MaxImageFrames", limits.MaxImageFrames, 1, 1024);
        Range(problems, "Serving:Limits:MaxTextChars", limits.MaxTextChars, 1, int.MaxValue);
        Range(problems, "Serving:Limits:MaxBytesElements", limits.MaxBytesElements, 1, int.MaxValue);
        Range(problems, "Serving:Limits:MaxStreamItems", limits.MaxStreamItems, 1, int.MaxValue);
        Range(problems, "Serving:Limits:MaxConcurrentDecodes", limits.MaxConcurrentDecodes, 0, 1024);
        if (limits.MaxImagePixels < 1)
        {
            problems.Add($"Serving:Limits:MaxImagePixels {limits.MaxImagePixels} must be positive.");
        }

        if (limits.DefaultTimeout < TimeSpan.Zero)
        {
            problems.Add($"Serving:Limits:DefaultTimeout {limits.DefaultTimeout} must not be negative.");
        }

        var tls = options.Tls;
        if (tls.Enabled && !File.Exists(tls.CertificatePath))
        {
            problems.Add($"Serving:Tls:CertificatePath '{tls.CertificatePath}' does not exist.");
        }

        if (!string.IsNullOrEmpty(tls.KeyPath) && !File.Exists(tls.KeyPath))
        {
            problems.Add($"Serving:Tls:KeyPath '{tls.KeyPath}' does not exist.");
        }

        if (tls.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            if (!tls.Enabled)
            {
                problems.Add("Serving:Tls:ClientCertificateMode needs TLS: set Serving:Tls:CertificatePath.");
            }

            if (string.IsNullOrEmpty(tls.ClientCaPath) || !File.Exists(tls.ClientCaPath))
            {
                problems.Add("Serving:Tls:ClientCaPath must name the PEM file of the CAs that client certificates chain to.");
            }
        }

        if (options.Security.RepositoryClientSubjects.Count > 0 && tls.ClientCertificateMode == ClientCertificateMode.NoCertificate)
        {
            problems.Add("Serving:Security:RepositoryClientSubjects needs client certificates: set Serving:Tls:ClientCertificateMode.");
        }

        if (string.IsNullOrWhiteSpace(options.Security.ApiKeyHeader))
        {
            problems.Add("Serving:Security:ApiKeyHeader must not be empty.");
        }

        return problems;
    }

    /// <summary>Parses a listen address.</summary>
    /// <param name="text">An IP address, <c>localhost</c> or <c>*</c>.</param>
    /// <param name="address">The address.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool TryParseAddress(string text, out IPAddress address)
    {
        switch (text)
        {
            case "localhost":
                address = IPAddress.Loopback;
                return true;
            case "*":
                address = IPAddress.Any;
                return true;
            default:
                return IPAddress.TryParse(text, out address!);
        }
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ServingOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Range(List<string> problems, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{name} is {value}; it must be between {min} and {max}.");
        }
    }
}
