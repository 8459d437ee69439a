using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Bench.TrainerReplay;

/// <summary>Keeps the losses of every training step of a run.</summary>
internal sealed class StepRecorder : ITrainingObserver
{
    /// <summary>Gets the losses of each step, in order: tasks, then regularisers.</summary>
    public List<float[]> Losses { get; } = [];

    public void OnStart(TrainingPlan plan)
    {
    }

    public void OnStep(StepProgress progress) => Losses.Add([.. progress.Losses]);

    public void OnEpoch(EpochRecord record)
    {
    }

    public void OnMessage(string message)
    {
    }
}
