namespace MtlOnnx.Serving;

/// <summary>
/// Authentication (configuration section <c>Serving:Security</c>): API keys, and which client certificates may
/// change the repository. Health checks are always open, for load balancers and orchestrators.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Gets the API keys accepted for inference, metadata and reflection calls. Empty (the default) leaves them open.
    /// </summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>
    /// Gets the API keys accepted for the repository-changing calls (<c>RepositoryModelLoad</c> and
    /// <c>RepositoryModelUnload</c>). When empty (the default) those calls follow the policy of the other calls.
    /// </summary>
    public IList<string> RepositoryApiKeys { get; } = [];

    /// <summary>
    /// Gets the subjects (for example <c>CN=deployer</c>) of client certificates allowed to change the repository.
    /// When not empty, the repository-changing calls need such a certificate (mutual TLS) as well as any key.
    /// </summary>
    public IList<string> RepositoryClientSubjects { get; } = [];

    /// <summary>Gets or sets the request header that carries the API key. Defaults to <c>x-api-key</c>; a
    /// <c>authorization: Bearer KEY</c> header is accepted too.</summary>
    public string ApiKeyHeader { get; set; } = "x-api-key";

    /// <summary>Gets or sets whether server reflection is offered. Defaults to <see langword="true"/>.</summary>
    public bool EnableReflection { get; set; } = true;
}
