namespace MtlOnnx.Onnx;

/// <summary>
/// Options for <see cref="OnnxModelIO.Load(string, ModelLoadOptions?)"/> and
/// <see cref="OnnxModelIO.Parse(ReadOnlySpan{byte}, string, ModelLoadOptions?)"/>.
/// </summary>
public sealed class ModelLoadOptions
{
    /// <summary>Gets the options that loading uses when none are given.</summary>
    public static ModelLoadOptions Default { get; } = new();

    /// <summary>
    /// Gets or sets whether tensors stored as external data are read into memory. The default is
    /// <see langword="true"/>; when <see langword="false"/>, such tensors keep their references and the files they
    /// name are neither opened nor checked.
    /// </summary>
    public bool LoadExternalData { get; init; } = true;

    /// <summary>
    /// Gets or sets whether the graph is checked by <see cref="GraphValidator"/> after loading. The default is
    /// <see langword="true"/>.
    /// </summary>
    public bool Validate { get; init; } = true;
}
