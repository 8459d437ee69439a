using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MtlOnnx.Serving.Hosting;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Metrics;
using MtlOnnx.Serving.Repository;
using MtlOnnx.Serving.Security;
using MtlOnnx.Serving.Services;

namespace MtlOnnx.Serving;

/// <summary>
/// Builds the MtlOnnx server: Kestrel on HTTP/2 (TLS optional), the inference protocol and typed services, health,
/// reflection and <c>/metrics</c>. Configuration comes, later sources winning, from <c>appsettings.json</c>,
/// environment variables (<c>MTLONNX_Serving__Port=8001</c>), command-line flags (<c>--repository DIR</c>,
/// <c>--port N</c>, or any <c>--Serving:Key=value</c>) and the overrides a caller passes.
/// </summary>
public static class ServingHost
{
    /// <summary>The short command-line flags and the configuration keys they set.</summary>
    public static IReadOnlyDictionary<string, string> Flags { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--repository"] = "Serving:Repository",
        ["--port"] = "Serving:Port",
        ["--metrics-port"] = "Serving:MetricsPort",
        ["--address"] = "Serving:Address",
        ["--model-control-mode"] = "Serving:ModelControlMode",
        ["--poll-interval"] = "Serving:PollInterval",
    };

    /// <summary>Creates the application builder with every configuration source and service registered.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="overrides">Settings that win over every other source, or <see langword="null"/>.</param>
    /// <returns>The builder; call <see cref="Build"/> on it.</returns>
    public static WebApplicationBuilder CreateBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });

        // Lowest precedence: a request log line per call is noise for a server at thousands of calls a second.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
        });
        builder.Configuration.AddEnvironmentVariables("MTLONNX_");
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(Flags));
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = new ServingOptions();
        builder.Configuration.GetSection(ServingOptions.SectionName).Bind(options);
        var problems = ServingOptionsValidator.Problems(options);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ServingOptions.SectionName, typeof(ServingOptions), problems);
        }

        ConfigureKestrel(builder, options);
        ConfigureServices(builder.Services, builder.Configuration, options);
        return builder;
    }

    /// <summary>Builds the application and maps its endpoints.</summary>
    /// <param name="builder">A builder from <see cref="CreateBuilder"/>.</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<ServingOptions>>().Value;
        app.MapGrpcService<InferenceService>();
        app.MapGrpcService<MultiTaskService>();
        app.MapGrpcService<HealthServiceImpl>();
        if (options.Security.EnableReflection)
        {
            app.MapGrpcReflectionService();
        }

        app.MapGet("/metrics", (ModelRepository repository, CallMetrics calls) =>
            Results.Text(PrometheusExporter.Write(repository, calls), PrometheusExporter.ContentType));
        return app;
    }

    private static void ConfigureServices(IServiceCollection services, ConfigurationManager configuration,
        ServingOptions options)
    {
        services.AddOptions<ServingOptions>().Bind(configuration.GetSection(ServingOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServingOptions>, ServingOptionsValidator>();
        services.Configure<HostOptions>(h => h.ShutdownTimeout = options.DrainTimeout);

        var limits = options.Limits;
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = limits.MaxRequestBytes;
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<ErrorInterceptor>();

            // With no key and no certificate policy there is nothing to check: every call would pay for a no-op.
            var security = options.Security;
            if (security.ApiKeys.Count > 0 || security.RepositoryApiKeys.Count > 0 ||
                security.RepositoryClientSubjects.Count > 0)
            {
                grpc.Interceptors.Add<AuthInterceptor>();
            }

            // grpc-dotnet falls back to its own uncapped gzip when the list is empty, so gzip is always ours:
            // capped, or refusing.
            grpc.CompressionProviders.Clear();
            var cap = limits.MaxDecompressedBytes > 0 ? limits.MaxDecompressedBytes : limits.MaxRequestBytes;
            grpc.CompressionProviders.Add(new CappedGzipCompressionProvider(limits.AllowCompressedRequests ? cap : -1));
        });
        if (options.Security.EnableReflection)
        {
            services.AddGrpcReflection();
        }

        // grpc-dotnet activates services and interceptors per call unless they are in the container; these hold no
        // per-call state, so one instance each spares every call their construction.
        services.AddSingleton<ErrorInterceptor>();
        services.AddSingleton<AuthInterceptor>();
        services.AddSingleton<InferenceService>();
        services.AddSingleton<MultiTaskService>();
        services.AddSingleton<CallMetrics>();
        services.AddSingleton<ServingHealth>();
        services.AddSingleton(sp => sp.GetRequiredService<ServingHealth>().Service);
        services.AddSingleton<InferenceGate>();
        services.AddSingleton<IModelExtrasLoader>(sp => new CardExtrasLoader(
            sp.GetRequiredService<InferenceGate>(), sp.GetRequiredService<IOptions<ServingOptions>>().Value.Limits));
        services.AddSingleton(sp => new ModelVersionLoader(
            sp.GetRequiredService<InferenceGate>(),
            sp.GetRequiredService<IOptions<ServingOptions>>().Value.Batching,
            sp.GetRequiredService<IModelExtrasLoader>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.AddSingleton<ModelRepository>();
        services.AddHostedService<RepositoryHostedService>();
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder, ServingOptions options)
    {
        // Validated already, so the address parses.
        _ = ServingOptionsValidator.TryParseAddress(options.Address, out var address);
        X509Certificate2? certificate = options.Tls.Enabled ? LoadCertificate(options.Tls) : null;
        X509Certificate2Collection? clientCas = null;
        if (options.Tls.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            clientCas = [];
            clientCas.ImportFromPemFile(options.Tls.ClientCaPath!);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // The gRPC limit is checked on each message's 5-byte header, and must be the one that answers, with
            // ResourceExhausted. Kestrel counts body bytes as they arrive, and a client may send a whole stream
            // window before the header is read; so Kestrel's limit is one message plus one window: still a bound on
            // memory, never the first to trip.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 100;
            kestrel.Limits.MaxRequestBodySize =
                (long)options.Limits.MaxRequestBytes + kestrel.Limits.Http2.InitialStreamWindowSize + 5;

            kestrel.Listen(address, options.Port, listen => Endpoint(listen, certificate, clientCas, options.Tls,
                certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2));
            if (options.MetricsPort >= 0)
            {
                kestrel.Listen(address, options.MetricsPort, listen => Endpoint(listen, certificate, clientCas,
                    options.Tls, certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2));
            }
        });
    }

    private static void Endpoint(ListenOptions listen, X509Certificate2? certificate,
        X509Certificate2Collection? clientCas, TlsOptions tls, HttpProtocols protocols)
    {
        listen.Protocols = protocols;
        if (certificate is null)
        {
            return;
        }

        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = tls.ClientCertificateMode,
            CheckCertificateRevocation = false,
            ClientCertificateValidation = (client, _, _) => clientCas is not null && ChainsTo(client, clientCas),
        });
    }

    private static bool ChainsTo(X509Certificate2 client, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(client);
    }

    private static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        var path = tls.CertificatePath!;
        if (!string.IsNullOrEmpty(tls.KeyPath))
        {
            var pem = string.IsNullOrEmpty(tls.CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(path, tls.KeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.CertificatePassword, tls.KeyPath);

            // Re-import so that the key is usable by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, tls.CertificatePassword);
    }
}
