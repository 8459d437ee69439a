namespace MtlOnnx.Serving;

/// <summary>
/// The options of an MtlOnnx server (configuration section <c>Serving</c>): where the models are, how they are
/// loaded and where the server listens. Nested sections hold the runtime, batching, limits, security and TLS.
/// </summary>
public sealed class ServingOptions
{
    /// <summary>The configuration section of these options.</summary>
    public const string SectionName = "Serving";

    /// <summary>Gets or sets the model repository folder: <c>DIR/&lt;name&gt;/&lt;version&gt;/model.onnx</c>. Required.</summary>
    public string Repository { get; set; } = string.Empty;

    /// <summary>Gets or sets how models are loaded and reloaded. Defaults to <see cref="ModelControlMode.None"/>.</summary>
    public ModelControlMode ModelControlMode { get; set; } = ModelControlMode.None;

    /// <summary>
    /// Gets or sets the models loaded at start-up in <see cref="ModelControlMode.Explicit"/> mode; <c>*</c> loads
    /// every model. Empty by default.
    /// </summary>
    public IList<string> LoadModels { get; } = [];

    /// <summary>Gets or sets how often the repository is scanned in <see cref="ModelControlMode.Poll"/> mode. Defaults to 15 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets the address the server listens on. Defaults to <c>127.0.0.1</c>; <c>0.0.0.0</c> or <c>::</c> for all.
    /// </summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the gRPC port; 0 picks a free port. Defaults to 8001, Triton's gRPC port.</summary>
    public int Port { get; set; } = 8001;

    /// <summary>
    /// Gets or sets the HTTP/1.1 port that serves <c>/metrics</c>; 0 picks a free port and -1 serves metrics only on
    /// the gRPC port. Defaults to 8002, Triton's metrics port.
    /// </summary>
    public int MetricsPort { get; set; } = 8002;

    /// <summary>Gets or sets how long shutdown waits for in-flight requests. Defaults to 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the server name reported by <c>ServerMetadata</c>. Defaults to <c>mtlonnx</c>.</summary>
    public string ServerName { get; set; } = "mtlonnx";

    /// <summary>Gets the ONNX Runtime options.</summary>
    public RuntimeOptions Runtime { get; } = new();

    /// <summary>Gets the defaults of dynamic batching.</summary>
    public BatchingOptions Batching { get; } = new();

    /// <summary>Gets the request limits.</summary>
    public LimitsOptions Limits { get; } = new();

    /// <summary>Gets the authentication options.</summary>
    public SecurityOptions Security { get; } = new();

    /// <summary>Gets the TLS options.</summary>
    public TlsOptions Tls { get; } = new();
}
