using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Repository;

/// <summary>Loads what a model version has beyond its graph: its model card and explanation model.</summary>
internal interface IModelExtrasLoader
{
    /// <summary>Loads the extras of a version.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version number.</param>
    /// <param name="versionFolder">The version folder.</param>
    /// <param name="runner">The version's session.</param>
    /// <param name="inputs">The version's inputs as clients see them.</param>
    /// <returns>The extras; <see cref="ModelExtras.None"/> for a plain ONNX model.</returns>
    /// <exception cref="ModelLoadException">A model card or explanation model is present but unusable.</exception>
    ModelExtras Load(string name, long version, string versionFolder, OnnxModelRunner runner,
        IReadOnlyList<TensorSpec> inputs);
}
