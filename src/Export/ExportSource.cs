using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export;

/// <summary>
/// What an export starts from: the eval graph, the trained parameters, the tasks, and what travels with the model
/// (model card, tokenizer files, validation data).
/// </summary>
public sealed class ExportSource
{
    /// <summary>Initializes a source.</summary>
    /// <param name="evalModel">The eval graph, parameters as graph inputs.</param>
    /// <param name="parameters">The trained values keyed by parameter name.</param>
    /// <param name="tasks">The tasks to export.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public ExportSource(
        ModelProto evalModel,
        IReadOnlyDictionary<string, TensorProto> parameters,
        IReadOnlyList<ExportTask> tasks)
    {
        ArgumentNullException.ThrowIfNull(evalModel);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tasks);
        EvalModel = evalModel;
        Parameters = parameters;
        Tasks = tasks;
    }

    /// <summary>Gets the eval graph.</summary>
    public ModelProto EvalModel { get; }

    /// <summary>Gets the trained parameters.</summary>
    public IReadOnlyDictionary<string, TensorProto> Parameters { get; }

    /// <summary>Gets the tasks.</summary>
    public IReadOnlyList<ExportTask> Tasks { get; }

    /// <summary>Gets or sets the data input names; see <see cref="InferenceModelOptions.InputNames"/>.</summary>
    public IReadOnlyList<string>? InputNames { get; init; }

    /// <summary>Gets or sets the model name used when the options give none.</summary>
    public string? DefaultName { get; init; }

    /// <summary>
    /// Gets or sets the model card written into the model's metadata, or <see langword="null"/> for none. The export
    /// fills in each task's output names; the card itself is not changed.
    /// </summary>
    public ModelCard? Card { get; init; }

    /// <summary>
    /// Gets or sets files copied into the version folder, keyed by file name: the tokenizer files the card names
    /// (whose hashes must match) and any others.
    /// </summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>Gets or sets the validation data for reduced-precision exports, or <see langword="null"/>.</summary>
    public ValidationSet? Validation { get; init; }
}
