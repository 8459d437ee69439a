using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MtlOnnx.Export;

/// <summary>
/// Options of <see cref="ModelExporter"/>: where to write, at which precision, and which checks to run.
/// </summary>
public sealed class ExportOptions
{
    /// <summary>
    /// Gets or sets the training checkpoint directory that <see cref="ModelExporter.Export(ExportOptions)"/> reads
    /// (see <see cref="CheckpointDirectory"/>); not used when an <see cref="ExportSource"/> is given.
    /// </summary>
    public string? Checkpoint { get; set; }

    /// <summary>Gets or sets the model repository folder. Required.</summary>
    public string Repository { get; set; } = string.Empty;

    /// <summary>Gets or sets the model name; the default is the source's name.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the version; the default is one more than the highest existing version, or 1.</summary>
    public string? Version { get; set; }

    /// <summary>Gets or sets the precision. The default is float32.</summary>
    public ExportPrecision Precision { get; set; } = ExportPrecision.Float32;

    /// <summary>
    /// Gets or sets whether to write the explanation model (<c>explain.onnx</c>): per task, the gradient of the
    /// predicted class's score with respect to the input. It is float32 whatever <see cref="Precision"/> is.
    /// The default is no.
    /// </summary>
    public bool Explain { get; set; }

    /// <summary>Gets or sets whether an existing version may be replaced. The default is no.</summary>
    public bool Force { get; set; }

    /// <summary>Gets or sets whether to check the export against the eval graph in ONNX Runtime. The default is on.</summary>
    public bool Verify { get; set; } = true;

    /// <summary>Gets or sets the tolerance of verification, relative to <c>1 + |reference|</c>. The default is 1e-5.</summary>
    public double VerifyTolerance { get; set; } = 1e-5;

    /// <summary>Gets or sets the <c>max_batch_size</c> written to <c>config.pbtxt</c>. The default is 64.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>Gets or sets whether to add probabilities and labels per classification task. The default is on.</summary>
    public bool PostProcessing { get; set; } = true;

    /// <summary>
    /// Gets or sets the largest accepted accuracy drop of any task, in percentage points, for reduced precision.
    /// The default is 1.
    /// </summary>
    public double MaxAccuracyDrop { get; set; } = 1.0;

    /// <summary>
    /// Gets or sets the largest accepted relative increase of a regression task's mean absolute error for reduced
    /// precision; 0.05 is five percent, the default.
    /// </summary>
    public double MaxErrorIncrease { get; set; } = 0.05;

    /// <summary>Gets or sets whether INT8 weights get one scale per output channel. The default is on.</summary>
    public bool PerChannel { get; set; } = true;

    /// <summary>Gets or sets whether INT8 export quantizes convolutions too. The default is on.</summary>
    public bool QuantizeConvolutions { get; set; } = true;

    /// <summary>Gets or sets the logger; the default logs nothing.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;
}
