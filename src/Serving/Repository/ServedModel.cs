namespace MtlOnnx.Serving.Repository;

/// <summary>A model the server answers for: its ready versions, newest first.</summary>
/// <param name="Name">The model name.</param>
/// <param name="Versions">The ready versions, newest first; never empty.</param>
internal sealed record ServedModel(string Name, ModelVersion[] Versions)
{
    /// <summary>Gets the newest ready version, which requests without a version get.</summary>
    public ModelVersion Latest => Versions[0];

    /// <summary>Returns a ready version by number.</summary>
    /// <param name="version">The version number.</param>
    /// <returns>The version, or <see langword="null"/> when it is not ready.</returns>
    public ModelVersion? Find(long version) => Array.Find(Versions, v => v.Version == version);
}
