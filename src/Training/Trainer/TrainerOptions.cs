using Microsoft.Extensions.Logging;

namespace MtlOnnx.Training.Trainer;

/// <summary>How <see cref="MultiTaskTrainer"/> runs a job.</summary>
public sealed class TrainerOptions
{
    /// <summary>Gets whether to continue from the output folder's last checkpoint. The default is false.</summary>
    public bool Resume { get; init; }

    /// <summary>Gets the number of ONNX Runtime threads; 0 lets the runtime choose. The default is 0.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Gets how many shards a CPU training step splits its batch into, each run on one of the threads at the same
    /// time; 0 (the default) uses one per thread, with at least 32 rows of a full batch each and the extra gradient
    /// buffers of all shards within 256 MB; 1 runs the whole batch as one. Steps that couple rows (batch
    /// normalisation, regularizer losses) and steps on a GPU never split.
    /// </summary>
    public int BatchShards { get; init; }

    /// <summary>Gets the observer of progress, or <see langword="null"/>.</summary>
    public ITrainingObserver? Observer { get; init; }

    /// <summary>Gets the logger, or <see langword="null"/> for none.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Gets whether to write the HTML and PNG report. The default is true.</summary>
    public bool WriteReport { get; init; } = true;
}
