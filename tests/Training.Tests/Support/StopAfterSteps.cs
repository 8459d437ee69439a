using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Tests.Support;

/// <summary>Cancels a token after a number of training steps, as Ctrl+C would.</summary>
internal sealed class StopAfterSteps(int steps, CancellationTokenSource stop) : ITrainingObserver
{
    private int _seen;

    public void OnStart(TrainingPlan plan)
    {
    }

    public void OnStep(StepProgress progress)
    {
        if (++_seen == steps)
        {
            stop.Cancel();
        }
    }

    public void OnEpoch(EpochRecord record)
    {
    }

    public void OnMessage(string message)
    {
    }
}
