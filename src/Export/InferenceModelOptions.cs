using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MtlOnnx.Export;

/// <summary>
/// Options for <see cref="InferenceModelBuilder"/>: which tasks to export and which graph passes to run.
/// </summary>
public sealed class InferenceModelOptions
{
    /// <summary>Gets or sets the tasks; each becomes one output named after it. Required.</summary>
    public IReadOnlyList<ExportTask> Tasks { get; set; } = [];

    /// <summary>
    /// Gets or sets the names of the data inputs (images, token ids). When set, every other graph input the task
    /// outputs need must be a parameter of the checkpoint; when <see langword="null"/> (the default), such inputs are
    /// taken to be data inputs.
    /// </summary>
    public IReadOnlyList<string>? InputNames { get; set; }

    /// <summary>Gets or sets the name of the batch dimension given to the first axis of inputs and outputs.</summary>
    public string BatchDimension { get; set; } = "batch";

    /// <summary>Gets or sets whether to add probabilities and a predicted label per classification task.</summary>
    public bool PostProcessing { get; set; } = true;

    /// <summary>Gets or sets whether to fold batch normalizations into the preceding layers. The default is on.</summary>
    public bool FoldBatchNormalization { get; set; } = true;

    /// <summary>Gets or sets whether to fold constant subgraphs into initializers. The default is on.</summary>
    public bool FoldConstants { get; set; } = true;

    /// <summary>Gets or sets the logger; the default logs nothing.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;
}
