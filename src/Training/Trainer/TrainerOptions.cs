using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Trainer;

/// <summary>How <see cref="MultiTaskTrainer"/> runs a job.</summary>
public sealed class TrainerOptions
{
    /// <summary>Gets whether to continue from the output folder's last checkpoint. The default is false.</summary>
    public bool Resume { get; init; }

    /// <summary>Gets the number of ONNX Runtime threads; 0 lets the runtime choose. The default is 0.</summary>
    public int Threads { get; init; }

    /// <summary>Gets the observer of progress, or <see langword="null"/>.</summary>
    public ITrainingObserver? Observer { get; init; }

    /// <summary>Gets the logger, or <see langword="null"/> for none.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Gets whether to write the HTML and PNG report. The default is true.</summary>
    public bool WriteReport { get; init; } = true;
}
