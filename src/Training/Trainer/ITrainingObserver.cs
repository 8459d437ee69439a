namespace MtlOnnx.Training.Trainer;

/// <summary>Receives the progress of a training run, for example to draw progress bars. Calls come from the training thread.</summary>
public interface ITrainingObserver
{
    /// <summary>Called once before the first step.</summary>
    /// <param name="plan">The run's shape: epochs, batches per epoch, where it starts.</param>
    void OnStart(TrainingPlan plan);

    /// <summary>Called after each training step.</summary>
    /// <param name="progress">The step's position and losses.</param>
    void OnStep(StepProgress progress);

    /// <summary>Called after each epoch's validation.</summary>
    /// <param name="record">The epoch's record.</param>
    void OnEpoch(EpochRecord record);

    /// <summary>Called with a line worth showing, for example a warning about skipped rows.</summary>
    /// <param name="message">The message.</param>
    void OnMessage(string message);
}
