namespace MtlOnnx.Export;

/// <summary>
/// Options of <see cref="TrainerCheckpoint.Load"/>: what the model card records about the job, and how much of the
/// job's data becomes the validation set of reduced-precision exports.
/// </summary>
public sealed class TrainerCheckpointOptions
{
    /// <summary>
    /// Gets or sets the hash the model card records for the job, for example <see cref="TrainerCheckpoint.HashJob"/>
    /// of the job file. The default, <see langword="null"/>, records none.
    /// </summary>
    public string? JobHash { get; set; }

    /// <summary>
    /// Gets or sets the split whose samples form the validation set and whose metrics the card records:
    /// <c>validation</c> (the default) or <c>test</c>.
    /// </summary>
    public string ValidationSplit { get; set; } = "validation";

    /// <summary>
    /// Gets or sets the largest number of validation samples, taken from the start of the split; 0 builds no
    /// validation set. The default is 2,000.
    /// </summary>
    public int ValidationSamples { get; set; } = 2000;

    /// <summary>Gets or sets the ONNX Runtime threads of the evaluation; 0, the default, lets the runtime choose.</summary>
    public int Threads { get; set; }
}
