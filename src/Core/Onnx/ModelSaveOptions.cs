namespace MtlOnnx.Onnx;

/// <summary>
/// Options for <see cref="OnnxModelIO.Save(ModelProto, string, ModelSaveOptions?)"/>.
/// </summary>
public sealed class ModelSaveOptions
{
    /// <summary>Gets the options that saving uses when none are given: every tensor inline.</summary>
    public static ModelSaveOptions Default { get; } = new();

    /// <summary>
    /// Gets or sets the size in bytes from which an initializer's data is written to the external data file instead
    /// of the model file, or <see langword="null"/> (the default) to keep every tensor inline. A protobuf file holds
    /// at most 2 GB, so models with more tensor data than that must set a threshold.
    /// </summary>
    public long? ExternalDataThreshold { get; init; }

    /// <summary>
    /// Gets or sets the name of the external data file, written next to the model; the default is the model's file
    /// name followed by <c>.data</c>. It must be a plain file name, without folders.
    /// </summary>
    public string? ExternalDataFileName { get; init; }
}
