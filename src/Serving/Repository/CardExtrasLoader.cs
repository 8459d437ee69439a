using Microsoft.ML.OnnxRuntime;
using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// Reads the model card from a version's <c>model.onnx</c> and, when the folder has one, opens <c>explain.onnx</c>.
/// A model without a card is a plain ONNX model and gets no extras.
/// </summary>
internal sealed class CardExtrasLoader : IModelExtrasLoader, IDisposable
{
    /// <summary>The explanation model's file name.</summary>
    public const string ExplainFile = "explain.onnx";

    /// <summary>The suffix of an explanation model's output for a task: <c>&lt;task&gt;_saliency</c>.</summary>
    public const string SaliencySuffix = "_saliency";

    private readonly InferenceGate _gate;
    private readonly LimitsOptions _limits;
    private readonly SemaphoreSlim _decodes;

    /// <summary>Initializes the loader.</summary>
    /// <param name="gate">The thread budget, for the explanation session.</param>
    /// <param name="limits">The server's limits.</param>
    public CardExtrasLoader(InferenceGate gate, LimitsOptions limits)
    {
        _gate = gate;
        _limits = limits;
        var decodes = limits.MaxConcurrentDecodes > 0 ? limits.MaxConcurrentDecodes : Environment.ProcessorCount;
        _decodes = new SemaphoreSlim(decodes, decodes);
    }

    /// <inheritdoc />
    public ModelExtras Load(string name, long version, string versionFolder, OnnxModelRunner runner,
        IReadOnlyList<TensorSpec> inputs)
    {
        var path = Path.Combine(versionFolder, ModelVersionLoader.DefaultModelFile);
        ModelProto model;
        try
        {
            model = OnnxModelIO.Load(path);
        }
        catch (ModelFormatException error)
        {
            throw new ModelLoadException($"Model '{name}' version {version}: {error.Message}", error);
        }

        if (!model.MetadataProps.Any(p => p.Key == ModelCard.MetadataKey))
        {
            return ModelExtras.None;
        }

        ModelCard card;
        try
        {
            card = ModelCard.ReadFrom(model, $"{name}/{version}/{ModelVersionLoader.DefaultModelFile}");
        }
        catch (ModelCardException error)
        {
            throw new ModelLoadException(error.Message, error);
        }

        foreach (var input in card.Inputs.Where(i => i.Kind != InputKind.Tensor))
        {
            var spec = inputs.FirstOrDefault(i => i.Name == input.Name);
            if (spec is null || spec.Dims.Length == 0 || spec.Dims.Skip(1).Any(d => d < 0))
            {
                throw new ModelLoadException(
                    $"Model '{name}' version {version}: card input '{input.Name}' must be a graph input with a batch " +
                    "dimension first and fixed dimensions after it.");
            }
        }

        var explainer = OpenExplainer(name, version, versionFolder, card);
        return new CardModelExtras(card, inputs, versionFolder, _limits, _decodes, explainer);
    }

    /// <inheritdoc />
    public void Dispose() => _decodes.Dispose();

    private OnnxModelRunner? OpenExplainer(string name, long version, string versionFolder, ModelCard card)
    {
        var path = Path.Combine(versionFolder, ExplainFile);
        if (!File.Exists(path))
        {
            return null;
        }

        OnnxModelRunner explainer;
        try
        {
            explainer = OnnxModelRunner.Open(path, _gate);
        }
        catch (OnnxRuntimeException error)
        {
            throw new ModelLoadException(
                $"ONNX Runtime cannot load '{ExplainFile}' of model '{name}' version {version}: {error.Message}", error);
        }

        var outputs = explainer.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var missing = card.Tasks.Where(t => !outputs.Contains(t.Name + SaliencySuffix)).Select(t => t.Name).ToArray();
        if (missing.Length > 0)
        {
            explainer.Dispose();
            throw new ModelLoadException(
                $"'{ExplainFile}' of model '{name}' version {version} has no saliency output for task(s) " +
                $"{string.Join(", ", missing.Select(m => $"'{m}'"))}; expected outputs named '<task>{SaliencySuffix}'.");
        }

        return explainer;
    }
}
