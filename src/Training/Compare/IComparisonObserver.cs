using MtlOnnx.Training.Trainer;

namespace MtlOnnx.Training.Compare;

/// <summary>
/// Receives the progress of a comparison: each run's start and end, and, as an <see cref="ITrainingObserver"/>, the
/// steps and epochs of the run in progress. Calls come from the training thread.
/// </summary>
public interface IComparisonObserver : ITrainingObserver
{
    /// <summary>Called before a run starts.</summary>
    /// <param name="plan">The run.</param>
    /// <param name="index">The zero-based position of the run in the comparison.</param>
    /// <param name="count">The number of runs in the comparison.</param>
    void OnRunStarting(ComparisonRunPlan plan, int index, int count);

    /// <summary>Called after a run finished.</summary>
    /// <param name="run">What the run measured.</param>
    void OnRunFinished(ComparisonRun run);
}
