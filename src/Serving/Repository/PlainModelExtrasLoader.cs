using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Repository;

/// <summary>Loads no extras: every model is served by the inference protocol only.</summary>
internal sealed class PlainModelExtrasLoader : IModelExtrasLoader
{
    /// <inheritdoc />
    public ModelExtras Load(string name, long version, string versionFolder, OnnxModelRunner runner,
        IReadOnlyList<TensorSpec> inputs) => ModelExtras.None;
}
