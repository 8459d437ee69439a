namespace MtlOnnx.Training.Trainer;

/// <summary>The shape of a training run, given to <see cref="ITrainingObserver.OnStart"/>.</summary>
/// <param name="Epochs">The number of epochs.</param>
/// <param name="BatchesPerEpoch">The number of training batches per epoch.</param>
/// <param name="StartEpoch">The epoch the run starts in (above 0 when resumed).</param>
/// <param name="StartBatch">The batch of <paramref name="StartEpoch"/> the run starts at.</param>
/// <param name="LossNames">The task and regulariser names whose losses are reported.</param>
/// <param name="Description">A line describing the data and the model.</param>
public sealed record TrainingPlan(int Epochs, int BatchesPerEpoch, int StartEpoch, int StartBatch,
    IReadOnlyList<string> LossNames, string Description);
