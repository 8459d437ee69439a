namespace MtlOnnx.Serving.Repository;

/// <summary>The state of one model version, as <c>RepositoryIndex</c> reports it.</summary>
/// <param name="State"><c>READY</c>, <c>LOADING</c>, <c>UNLOADING</c> or <c>UNAVAILABLE</c>.</param>
/// <param name="Reason">Why the version is not ready; empty when it is.</param>
internal sealed record VersionState(string State, string Reason)
{
    /// <summary>The state of a version that serves requests.</summary>
    public const string Ready = "READY";

    /// <summary>The state of a version being loaded.</summary>
    public const string Loading = "LOADING";

    /// <summary>The state of a version being unloaded.</summary>
    public const string Unloading = "UNLOADING";

    /// <summary>The state of a version that failed to load or was unloaded.</summary>
    public const string Unavailable = "UNAVAILABLE";
}
