using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Session.Internal;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>The data-parallel CPU step: the batch's rows split among <see cref="TrainShard"/>s run at once.</summary>
internal sealed partial class StepEngine
{
    private int MemoryBoundShards(GradientSource source, int taskCount)
    {
        // Gradients, plus one row per task of the shared parameters or above the representation.
        var perShard = _plan.Layout.TotalElementCount * (source == GradientSource.None ? 1L : 1L + taskCount);
        return (int)Math.Min(int.MaxValue, 1 + (MaxShardFloats / Math.Max(1, perShard)));
    }

    /// <summary>
    /// Creates a shard. The first writes into the engine's own buffers (losses aside), the others into theirs, which
    /// the step adds to the engine's; with representation gradients each also gets a binding of the trunk's backward
    /// pass whose gradients land in its buffer.
    /// </summary>
    private TrainShard CreateShard(int index)
    {
        var shard = index == 0
            ? new TrainShard(_model, _train, _trainInputNames, _trainOutputNames, OutputsOf,
                new float[_lossNames.Length], _gradients, _sideRows, _taskRows, _masks.Count)
            : new TrainShard(_model, _train, _trainInputNames, _trainOutputNames, OutputsOf,
                new float[_lossNames.Length], new float[_gradients.Length],
                [.. _sideRows.Select(r => new float[r.Length])], [.. _taskRows.Select(r => new float[r.Length])],
                _masks.Count);
        if (_representationBackward is { } second)
        {
            var layout = _plan.Layout;
            shard.BackwardBinding = new SessionBinding(second, _backwardInputNames.Length, _backwardOutputNames.Length);
            shard.BackwardInputValues = new OrtValue[_backwardInputNames.Length];
            shard.BackwardOutputValues = [.. _backwardOutputParameters.Select(p =>
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    shard.Gradients.AsMemory((int)layout.OffsetOf(p), (int)layout.Parameters[p].ElementCount),
                    [.. layout.Parameters[p].Shape]))];
        }

        return shard;
    }

    /// <summary>A shard's training-graph outputs, over its own buffers (running statistics never shard).</summary>
    private OrtValue?[] OutputsOf(TrainShard shard) =>
        OutputsOver(shard.Losses, shard.Gradients, shard.SideRows, shard.TaskRows, []);

    /// <summary>Splits a batch's rows among the shards; returns how many run it.</summary>
    private int AssignShards(int count)
    {
        var active = Math.Clamp(count / MinShardRows, 1, _shards.Length);
        var start = 0;
        for (var s = 0; s < active; s++)
        {
            var rows = (count / active) + (s < count % active ? 1 : 0);
            _shards[s].Assign(start, rows);
            start += rows;
        }

        return active;
    }

    /// <summary>
    /// Runs the training graph on the batch's rows split among the shards at once, then sums the shards' losses and
    /// gradients into the engine's buffers, each task's losses weighted by the shards' shares of its denominator.
    /// </summary>
    private void RunShards(Batch batch, int active)
    {
        // Only steps without regularizers shard, so the losses are the tasks' weighted means, one share row each.
        LossShares.Compute(batch, _shards, active, _shares);
        var taskCount = _model.Tasks.Count;
        for (var s = 0; s < active; s++)
        {
            var shard = _shards[s];
            for (var t = 0; t < taskCount; t++)
            {
                shard.LossWeights[t] = (float)(_lossWeights[t] * _shares[t][s]);
            }

            var values = shard.ValuesOf(batch);
            for (var i = 0; i < shard.InputNames.Length; i++)
            {
                var name = shard.InputNames[i];
                shard.InputValues[i] = name == TrainingGraphs.LossWeightsInput ? shard.LossWeightsValue
                    : _maskIndex.TryGetValue(name, out var k) ? shard.MaskOf(k, _masks[k], _maskBuffers[k])
                    : Input(name, values);
            }

            shard.Binding.BindCallerValues(shard.InputNames, shard.InputValues, shard.OutputNames,
                shard.OutputValues!, always: false);
        }

        var started = Stopwatch.GetTimestamp();
        RunAtOnce(active, s => _train.RunWithBinding(_shardRunOptions[s], _shards[s].Binding.Binding));
        LastTrainingGraphTime = Stopwatch.GetElapsedTime(started);
        for (var t = 0; t < taskCount; t++)
        {
            double loss = 0;
            for (var s = 0; s < active; s++)
            {
                loss += _shares[t][s] * _shards[s].Losses[t];
            }

            _lossBuffer[t] = (float)loss;
        }

        // Per-loss gradients are unweighted: scale each shard's by its share of the loss before adding them up.
        ScaleAndAdd(active, s => _shards[s].TaskRows);
        ScaleAndAdd(active, s => _shards[s].SideRows);
        if (_method.GradientSource == GradientSource.Representation)
        {
            // Each shard's rows of the task gradients at the representation, in place in the engine's rows.
            for (var t = 0; t < taskCount; t++)
            {
                for (var s = 0; s < active; s++)
                {
                    var width = (int)_representationWidth;
                    var rows = _representationRows[t].AsSpan(_shards[s].Start * width, _shards[s].Rows * width);
                    TensorPrimitives.Multiply(rows, (float)_shares[t][s], rows);
                }
            }
        }
        else
        {
            SumShardGradients(active);
        }
    }

    private void ScaleAndAdd(int active, Func<int, float[][]> rows)
    {
        var total = rows(0);
        for (var l = 0; l < total.Length; l++)
        {
            TensorPrimitives.Multiply(total[l], (float)_shares[l][0], total[l]);
            for (var s = 1; s < active; s++)
            {
                TensorPrimitives.MultiplyAdd(rows(s)[l], (float)_shares[l][s], total[l], total[l]);
            }
        }
    }

    private void SumShardGradients(int active)
    {
        for (var s = 1; s < active; s++)
        {
            TensorPrimitives.Add(_gradients, _shards[s].Gradients, _gradients);
        }
    }

    /// <summary>Runs one action per shard at once, the first on this thread; rethrows the first failure.</summary>
    private void RunAtOnce(int active, Action<int> run)
    {
        for (var s = 1; s < active; s++)
        {
            var shard = s;
            _pendingShards[s - 1] = Task.Run(() => run(shard));
        }

        try
        {
            run(0);
        }
        finally
        {
            // Never leave a shard running on buffers the next step rewrites, even when the first one failed.
            try
            {
                Task.WaitAll(_pendingShards.AsSpan(0, active - 1));
            }
            catch (AggregateException error) when (error.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Capture(error.InnerExceptions[0]).Throw();
            }
        }
    }

    /// <summary>Runs the trunk's backward pass of the update on each shard's rows at once.</summary>
    private void RunBackwardShards(Batch batch, int active)
    {
        for (var s = 0; s < active; s++)
        {
            var shard = _shards[s];
            using var produced = shard.Binding.Binding.GetOutputValues();
            if (shard.CarriedSlots.Length != _backwardInputNames.Length)
            {
                var names = shard.Binding.Binding.GetOutputNames();
                var slotOf = names.Select((n, k) => (n, k)).ToDictionary(p => p.n, p => p.k, StringComparer.Ordinal);
                shard.CarriedSlots = [.. _backwardInputNames.Select(n =>
                    _representation!.Split.Carried.Contains(n) ? slotOf.GetValueOrDefault(n, -1) : -1)];
            }

            var values = shard.ValuesOf(batch);
            for (var i = 0; i < _backwardInputNames.Length; i++)
            {
                var name = _backwardInputNames[i];
                shard.BackwardInputValues[i] = name == TrainingGraphs.RepresentationUpdateInput ? shard.UpdateValue!
                    : shard.CarriedSlots[i] >= 0 ? produced[shard.CarriedSlots[i]]
                    : _maskIndex.TryGetValue(name, out var k) ? shard.MaskOf(k, _masks[k], _maskBuffers[k])
                    : Input(name, values);
            }

            // The carried values stay alive after `produced` is disposed: the first binding still holds them.
            shard.BackwardBinding!.BindCallerValues(_backwardInputNames, shard.BackwardInputValues,
                _backwardOutputNames, shard.BackwardOutputValues, always: true);
        }

        var started = Stopwatch.GetTimestamp();
        RunAtOnce(active, s => _representationBackward!.RunWithBinding(_shardRunOptions[s],
            _shards[s].BackwardBinding!.Binding));
        LastBackwardGraphTime = Stopwatch.GetElapsedTime(started);
        SumShardGradients(active);
    }
}
