namespace MtlOnnx.Training.Trainer;

/// <summary>The progress after one training step.</summary>
/// <param name="Epoch">The zero-based epoch.</param>
/// <param name="Batch">The one-based number of batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">The batches per epoch.</param>
/// <param name="Losses">The step's loss per task and regulariser, in <see cref="TrainingPlan.LossNames"/> order.</param>
/// <param name="SamplesPerSecond">The epoch's throughput so far, data loading included.</param>
/// <param name="LearningRate">The learning rate of the step.</param>
public sealed record StepProgress(int Epoch, int Batch, int BatchesPerEpoch, IReadOnlyList<float> Losses,
    double SamplesPerSecond, double LearningRate);
