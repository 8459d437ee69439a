using System.Diagnostics;
using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Compare.Internal;

/// <summary>
/// Times training steps from the trainer's progress calls and passes every call on: a step's time is the time
/// between the ends of two consecutive steps of the same epoch, so the first step of each epoch (which follows the
/// previous epoch's validation) is not timed.
/// </summary>
internal sealed class StepClock : ITrainingObserver
{
    private readonly ITrainingObserver? _inner;
    private readonly List<double> _seconds = [];
    private long _previous;
    private (int Epoch, int Batch) _last = (-1, -1);

    public StepClock(ITrainingObserver? inner)
    {
        _inner = inner;
    }

    public int Count => _seconds.Count;

    public double MedianSeconds
    {
        get
        {
            if (_seconds.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _seconds.Order().ToArray();
            var half = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[half] : 0.5 * (sorted[half - 1] + sorted[half]);
        }
    }

    public void OnStart(TrainingPlan plan) => _inner?.OnStart(plan);

    public void OnStep(StepProgress progress)
    {
        var now = Stopwatch.GetTimestamp();
        if (progress.Epoch == _last.Epoch && progress.Batch == _last.Batch + 1)
        {
            _seconds.Add(Stopwatch.GetElapsedTime(_previous, now).TotalSeconds);
        }

        _previous = now;
        _last = (progress.Epoch, progress.Batch);
        _inner?.OnStep(progress);
    }

    public void OnEpoch(EpochRecord record) => _inner?.OnEpoch(record);

    public void OnMessage(string message) => _inner?.OnMessage(message);
}
