namespace MtlOnnx.Training.Trainer;

/// <summary>What one epoch of training measured: losses, validation metrics, learning rate and throughput.</summary>
public sealed class EpochRecord
{
    /// <summary>Gets or sets the zero-based epoch.</summary>
    public int Epoch { get; set; }

    /// <summary>Gets or sets the mean training loss of each task and regulariser over the epoch, keyed by name.</summary>
    public Dictionary<string, double> TrainLoss { get; set; } = [];

    /// <summary>Gets or sets the validation loss of each task and regulariser, keyed by name.</summary>
    public Dictionary<string, double> ValidationLoss { get; set; } = [];

    /// <summary>Gets or sets the validation metrics, task → metric → value.</summary>
    public Dictionary<string, Dictionary<string, double>> ValidationMetrics { get; set; } = [];

    /// <summary>Gets or sets the task weights of the method at the end of the epoch, keyed by task.</summary>
    public Dictionary<string, double> TaskWeights { get; set; } = [];

    /// <summary>Gets or sets the learning rate at the end of the epoch.</summary>
    public double LearningRate { get; set; }

    /// <summary>Gets or sets the training samples per second, data loading included.</summary>
    public double SamplesPerSecond { get; set; }

    /// <summary>Gets or sets the processor seconds the process spent per training step (all threads, validation excluded).</summary>
    public double CpuSecondsPerStep { get; set; }

    /// <summary>Gets or sets the wall-clock seconds the epoch took, validation included.</summary>
    public double Seconds { get; set; }

    /// <summary>Gets the sum of the validation task losses (regularisers excluded), the default early-stopping quantity.</summary>
    /// <param name="tasks">The task names.</param>
    /// <returns>The sum.</returns>
    public double TotalValidationLoss(IEnumerable<string> tasks) => tasks.Sum(t => ValidationLoss.GetValueOrDefault(t));
}
