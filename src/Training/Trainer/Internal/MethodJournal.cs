using System.Runtime.InteropServices;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Multitask;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// Records what a multi-task method was told during a run (the losses it weighted, the losses of each finished step
/// and the ends of epochs), so that a resumed run can rebuild the method's state by telling a fresh method the same.
/// </summary>
/// <remarks>
/// <see cref="IMultitaskMethod"/> exposes no state of its own, and the weighting methods' state (DWA's epoch means,
/// FAMO's logits, the random-weighting generator, uncertainty weighting's log-variances) is a function of exactly
/// these calls, so a replay restores it bit for bit. State that an aggregator derives from the gradients themselves
/// (GradVac's similarity targets, Nash-MTL's warm start) is not replayed: those methods restart it on resume.
/// One record is <c>[kind, weighted losses (T), step losses (T), losses after the step (T)]</c> as floats.
/// </remarks>
internal sealed class MethodJournal
{
    private const float StepWithWeights = 1f;
    private const float EpochEnd = 2f;
    private const float StepOnly = 3f;
    private readonly List<float> _records = [];
    private readonly int _taskCount;

    public MethodJournal(int taskCount) => _taskCount = taskCount;

    private int Width => 1 + (3 * _taskCount);

    /// <summary>Records a finished step.</summary>
    /// <param name="weighted">The losses passed to <c>GetLossWeights</c>, or empty when it was not called.</param>
    /// <param name="losses">The losses passed to <c>CompleteStep</c>.</param>
    /// <param name="after">The losses after the step passed to <c>CompleteStep</c>, or empty.</param>
    public void RecordStep(ReadOnlySpan<float> weighted, ReadOnlySpan<float> losses, ReadOnlySpan<float> after)
    {
        _records.Add(weighted.IsEmpty ? StepOnly : StepWithWeights);
        Append(weighted);
        Append(losses);
        Append(after);
    }

    public void RecordEpoch()
    {
        _records.Add(EpochEnd);
        for (var i = 1; i < Width; i++)
        {
            _records.Add(0f);
        }
    }

    public byte[] ToBytes() => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_records)).ToArray();

    /// <summary>Resets a method and replays a saved journal into it; continues recording after the replayed part.</summary>
    /// <param name="state">The saved journal.</param>
    /// <param name="method">The method, reset first.</param>
    /// <param name="weights">Receives the loss weights of each replayed weighting call.</param>
    /// <param name="previousLosses">Receives the losses of the last replayed step.</param>
    /// <exception cref="CheckpointMismatchException">The journal was written for another number of tasks.</exception>
    public void Replay(byte[] state, IMultitaskMethod method, Span<float> weights, Span<float> previousLosses)
    {
        var values = MemoryMarshal.Cast<byte, float>(state);
        if (values.Length % Width != 0)
        {
            throw new CheckpointMismatchException(
                $"The checkpoint's method state holds {values.Length} values, which is not a whole number of " +
                $"records for {_taskCount} tasks; it was written for another job.");
        }

        method.Reset();
        _records.Clear();
        var t = _taskCount;
        for (var start = 0; start < values.Length; start += Width)
        {
            var record = values.Slice(start, Width);
            var kind = record[0];
            if (kind == EpochEnd)
            {
                method.CompleteEpoch();
                RecordEpoch();
                continue;
            }

            var weighted = kind == StepWithWeights ? record.Slice(1, t) : [];
            var losses = record.Slice(1 + t, t);
            var after = method.RequiresLossesAfterStep ? record.Slice(1 + (2 * t), t) : [];
            if (!weighted.IsEmpty)
            {
                method.GetLossWeights(weighted, weights);
            }

            method.CompleteStep(losses, after);
            losses.CopyTo(previousLosses);
            RecordStep(weighted, losses, after);
        }
    }

    private void Append(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < _taskCount; i++)
        {
            _records.Add(i < values.Length ? values[i] : 0f);
        }
    }
}
