using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Data;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Layers;
using MtlOnnx.Training.Multitask;
using MtlOnnx.Training.Optimizers;
using OptimizerSpec = MtlOnnx.Training.Optimizers.OptimizerSpec;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// Runs training and evaluation steps of a multi-task model on ONNX Runtime: the training graph (forward, losses
/// and the gradients the multi-task method needs) from the autodiff, the evaluation graph in inference mode, the
/// method's weighting or aggregation in between, and the optimizer on flat host buffers.
/// </summary>
/// <remarks>
/// Parameters live in one flat buffer laid out by <see cref="ParameterLayout"/> and are bound to the graphs as
/// <see cref="OrtValue"/>s created once over that buffer, so an optimizer step updates what the next run reads.
/// </remarks>
internal sealed class StepEngine : IDisposable
{
    private readonly MultiTaskModel _model;
    private readonly IMultitaskMethod _method;
    private readonly OptimizerPlan _plan;
    private readonly CpuOptimizer _optimizer;
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _first;
    private readonly float[] _second;
    private readonly Dictionary<string, float[]> _fixed;
    private readonly Dictionary<string, long[]> _shapes;
    private readonly List<(string Name, OrtValue Value)> _parameterValues = [];
    private readonly InferenceSession _train;
    private readonly InferenceSession _eval;
    private readonly InferenceSession? _forwardOnly;
    private readonly InferenceSession? _representationBackward;
    private readonly GradientResult _gradientGraph;
    private readonly GradientResult? _representationGraph;
    private readonly HashSet<string> _trainInputs;
    private readonly HashSet<string> _evalInputs;
    private readonly string[] _lossNames;
    private readonly float[] _regularizerWeights;
    private readonly float[] _lossWeights;
    private readonly float[] _taskLosses;
    private readonly float[] _headWeights;
    private readonly int[] _ownerOfParameter;
    private readonly int[] _sharedParameters;
    private readonly float[][] _taskRows = [];
    private readonly float[] _sharedUpdate = [];
    private readonly long _representationWidth;
    private readonly RunOptions _runOptions = new();
    private float[] _previousLosses;

    public StepEngine(MultiTaskModel model, IMultitaskMethod method, OptimizerSpec optimizer, TrainingDevice device, int threads)
    {
        _model = model;
        _method = method;
        var (forward, values) = TrainingGraphs.ParametersAsInputs(model);
        _shapes = TrainingGraphs.Shapes(model);
        var trainable = model.TrainableNames;
        _plan = OptimizerPlan.Create(optimizer, trainable.Select(n => new ParameterDescriptor(n, _shapes[n])).ToArray());
        _optimizer = new CpuOptimizer(_plan);
        var layout = _plan.Layout;
        _parameters = new float[layout.TotalElementCount];
        _gradients = new float[layout.TotalElementCount];
        _first = _plan.StateSlots.Count > 0 ? new float[layout.TotalElementCount] : [];
        _second = _plan.StateSlots.Count > 1 ? new float[layout.TotalElementCount] : [];
        for (var i = 0; i < layout.Count; i++)
        {
            values[layout.Parameters[i].Name].CopyTo(layout.Slice(_parameters.AsSpan(), i));
        }

        _fixed = model.FixedNames.ToDictionary(n => n, n => values[n], StringComparer.Ordinal);
        var taskCount = model.Tasks.Count;
        _lossNames = [.. model.LossNames];
        _regularizerWeights = model.Regularizers.Select(r => (float)r.Weight).ToArray();
        _lossWeights = new float[_lossNames.Length];
        _taskLosses = new float[taskCount];
        _previousLosses = new float[taskCount];
        _headWeights = new float[taskCount];
        var taskIndex = model.Tasks.Select((t, i) => (t.Task.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var info = model.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _ownerOfParameter = layout.Parameters.Select(p => info[p.Name].IsShared ? -1 : taskIndex[info[p.Name].Owner]).ToArray();
        _sharedParameters = Enumerable.Range(0, layout.Count).Where(i => _ownerOfParameter[i] < 0).ToArray();

        var source = method.GradientSource;
        var request = new GradientRequest
        {
            Losses = _lossNames,
            LossWeightsInput = TrainingGraphs.LossWeightsInput,
            WithRespectTo = trainable,
            PerLossWithRespectTo = source switch
            {
                GradientSource.SharedParameters => [.. _sharedParameters.Select(i => layout.Parameters[i].Name)],
                GradientSource.Representation => [model.RepresentationName],
                _ => [],
            },
        };
        _gradientGraph = Autodiff.Autodiff.Differentiate(forward, request);
        using var options = device.CreateSessionOptions(threads);
        options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
        _train = new InferenceSession(OnnxModelIO.ToBytes(_gradientGraph.Model), options);
        _trainInputs = _train.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        var evaluation = TrainingGraphs.ToEvaluation(forward);
        _eval = new InferenceSession(OnnxModelIO.ToBytes(evaluation), options);
        _evalInputs = _eval.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        if (method.LossWeightsUseCurrentLosses || method.RequiresLossesAfterStep)
        {
            _forwardOnly = new InferenceSession(OnnxModelIO.ToBytes(forward), options);
        }

        if (source == GradientSource.SharedParameters)
        {
            var sharedCount = _sharedParameters.Sum(i => layout.Parameters[i].ElementCount);
            _taskRows = Enumerable.Range(0, taskCount).Select(_ => new float[sharedCount]).ToArray();
            _sharedUpdate = new float[sharedCount];
        }
        else if (source == GradientSource.Representation)
        {
            _representationWidth = TrainingGraphs.RepresentationWidth(model, forward);
            var (withLoss, loss) = TrainingGraphs.WithRepresentationLoss(forward, model, _representationWidth);
            _representationGraph = Autodiff.Autodiff.Differentiate(withLoss, new GradientRequest
            {
                Losses = [loss, .. model.Regularizers.Select(r => r.OutputName)],
                LossWeights = [1f, .. _regularizerWeights],
                WithRespectTo = [.. _sharedParameters.Select(i => layout.Parameters[i].Name)],
                KeepForwardOutputs = false,
            });
            _representationBackward = new InferenceSession(OnnxModelIO.ToBytes(_representationGraph.Model), options);
        }

        for (var i = 0; i < layout.Count; i++)
        {
            var parameter = layout.Parameters[i];
            var memory = _parameters.AsMemory((int)layout.OffsetOf(i), (int)parameter.ElementCount);
            _parameterValues.Add((parameter.Name,
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, parameter.Shape)));
        }

        foreach (var (name, data) in _fixed)
        {
            _parameterValues.Add((name, OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                data.AsMemory(), _shapes[name])));
        }
    }

    public OptimizerPlan Plan => _plan;

    public long StepCount { get; private set; }

    public double LastGradientNorm => _optimizer.LastGradientNorm;

    public IReadOnlyList<string> LossNames => _lossNames;

    public ReadOnlySpan<float> HeadWeights => _headWeights;

    public ReadOnlySpan<float> LossWeights => _lossWeights;

    /// <summary>Runs one training step on a batch and returns the losses (tasks, then regularisers).</summary>
    public float[] TrainStep(Batch batch, float learningRate)
    {
        var taskCount = _model.Tasks.Count;
        var source = _method.GradientSource;
        if (source == GradientSource.None)
        {
            var basis = _previousLosses;
            if (_method.LossWeightsUseCurrentLosses)
            {
                basis = Forward(batch)[..taskCount];
            }

            _method.GetLossWeights(basis, _lossWeights.AsSpan(0, taskCount));
        }
        else
        {
            _lossWeights.AsSpan(0, taskCount).Fill(1f);
        }

        _regularizerWeights.CopyTo(_lossWeights.AsSpan(taskCount));
        var gradientNames = _plan.Layout.Parameters.Select(p => _gradientGraph.GradientOutputs[p.Name]).ToArray();
        var perLoss = source switch
        {
            GradientSource.SharedParameters => _sharedParameters
                .SelectMany(i => _model.Tasks.Select(t => _gradientGraph.PerLossGradientOutputs[_plan.Layout.Parameters[i].Name][t.LossName]))
                .ToArray(),
            GradientSource.Representation => _model.Tasks.Select(t => _gradientGraph.PerLossGradientOutputs[_model.RepresentationName][t.LossName]).ToArray(),
            _ => [],
        };
        var statistics = _gradientGraph.RunningStatisticOutputs.ToArray();
        string[] outputs = [.. _lossNames, .. gradientNames, .. perLoss, .. statistics.Select(s => s.Value)];
        var losses = new float[_lossNames.Length];
        using (var feeds = Feeds(batch, _trainInputs, withWeights: true))
        using (var results = _train.Run(_runOptions, feeds.Names, feeds.Values, outputs))
        {
            for (var i = 0; i < losses.Length; i++)
            {
                losses[i] = results[i].GetTensorDataAsSpan<float>()[0];
            }

            var layout = _plan.Layout;
            for (var p = 0; p < layout.Count; p++)
            {
                results[_lossNames.Length + p].GetTensorDataAsSpan<float>().CopyTo(layout.Slice(_gradients.AsSpan(), p));
            }

            var offset = _lossNames.Length + layout.Count;
            if (source == GradientSource.SharedParameters)
            {
                long position = 0;
                var k = 0;
                foreach (var index in _sharedParameters)
                {
                    var count = (int)layout.Parameters[index].ElementCount;
                    for (var t = 0; t < taskCount; t++)
                    {
                        results[offset + k++].GetTensorDataAsSpan<float>().CopyTo(_taskRows[t].AsSpan((int)position, count));
                    }

                    position += count;
                }
            }
            else if (source == GradientSource.Representation)
            {
                var rows = new float[taskCount][];
                for (var t = 0; t < taskCount; t++)
                {
                    rows[t] = results[offset + t].GetTensorDataAsSpan<float>().ToArray();
                }

                AggregateRepresentation(batch, rows, losses.AsSpan(0, taskCount));
            }

            offset += perLoss.Length;
            for (var s = 0; s < statistics.Length; s++)
            {
                results[offset + s].GetTensorDataAsSpan<float>().CopyTo(_fixed[statistics[s].Key]);
            }
        }

        losses.AsSpan(0, taskCount).CopyTo(_taskLosses);
        if (source == GradientSource.SharedParameters)
        {
            AggregateShared(losses.AsSpan(0, taskCount));
        }

        StepCount++;
        _optimizer.Step(_parameters, _gradients, _first, _second, learningRate, StepCount);
        var after = _method.RequiresLossesAfterStep ? Forward(batch)[..taskCount] : [];
        _method.CompleteStep(_taskLosses, after);
        _taskLosses.CopyTo(_previousLosses, 0);
        return losses;
    }

    /// <summary>Runs the evaluation graph on a batch; returns the losses and writes each task's head output.</summary>
    public float[] EvalStep(Batch batch, float[][] taskOutputs)
    {
        var outputs = _lossNames.Concat(_model.Tasks.Select(t => t.OutputName)).ToArray();
        using var feeds = Feeds(batch, _evalInputs, withWeights: false);
        using var results = _eval.Run(_runOptions, feeds.Names, feeds.Values, outputs);
        var losses = new float[_lossNames.Length];
        for (var i = 0; i < losses.Length; i++)
        {
            losses[i] = results[i].GetTensorDataAsSpan<float>()[0];
        }

        for (var t = 0; t < _model.Tasks.Count; t++)
        {
            results[_lossNames.Length + t].GetTensorDataAsSpan<float>().CopyTo(taskOutputs[t]);
        }

        return losses;
    }

    public void CompleteEpoch() => _method.CompleteEpoch();

    /// <summary>Writes parameters, fixed tensors and optimizer state into a checkpoint.</summary>
    public void Save(TrainingCheckpoint checkpoint)
    {
        var layout = _plan.Layout;
        for (var i = 0; i < layout.Count; i++)
        {
            var p = layout.Parameters[i];
            checkpoint.Tensors.Add(new CheckpointTensor(p.Name, CheckpointTensorRole.Trainable, p.Shape,
                layout.Slice(_parameters.AsSpan(), i).ToArray()));
            if (_first.Length > 0)
            {
                checkpoint.Tensors.Add(new CheckpointTensor(OptimizerPlan.StateName(p.Name, _plan.StateSlots[0]),
                    CheckpointTensorRole.OptimizerState, p.Shape, layout.Slice(_first.AsSpan(), i).ToArray()));
            }

            if (_second.Length > 0)
            {
                checkpoint.Tensors.Add(new CheckpointTensor(OptimizerPlan.StateName(p.Name, _plan.StateSlots[1]),
                    CheckpointTensorRole.OptimizerState, p.Shape, layout.Slice(_second.AsSpan(), i).ToArray()));
            }
        }

        foreach (var (name, data) in _fixed)
        {
            checkpoint.Tensors.Add(new CheckpointTensor(name, CheckpointTensorRole.Frozen, _shapes[name], (float[])data.Clone()));
        }

        checkpoint.Step = StepCount;
        checkpoint.Optimizer = _plan.Spec;
    }

    /// <summary>Restores parameters, fixed tensors and optimizer state from a checkpoint.</summary>
    /// <exception cref="CheckpointMismatchException">A tensor is missing or has another shape.</exception>
    public void Load(TrainingCheckpoint checkpoint, bool parametersOnly)
    {
        var layout = _plan.Layout;
        for (var i = 0; i < layout.Count; i++)
        {
            var p = layout.Parameters[i];
            Copy(checkpoint, CheckpointTensorRole.Trainable, p.Name, p.Shape, layout.Slice(_parameters.AsSpan(), i));
            if (parametersOnly)
            {
                continue;
            }

            if (_first.Length > 0)
            {
                Copy(checkpoint, CheckpointTensorRole.OptimizerState, OptimizerPlan.StateName(p.Name,
                    _plan.StateSlots[0]), p.Shape, layout.Slice(_first.AsSpan(), i));
            }

            if (_second.Length > 0)
            {
                Copy(checkpoint, CheckpointTensorRole.OptimizerState, OptimizerPlan.StateName(p.Name,
                    _plan.StateSlots[1]), p.Shape, layout.Slice(_second.AsSpan(), i));
            }
        }

        foreach (var (name, data) in _fixed)
        {
            Copy(checkpoint, CheckpointTensorRole.Frozen, name, _shapes[name], data);
        }

        if (!parametersOnly)
        {
            StepCount = checkpoint.Step;
        }
    }

    /// <summary>Gets the current values of every parameter (trained and fixed), by name.</summary>
    public Dictionary<string, float[]> Snapshot()
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var layout = _plan.Layout;
        for (var i = 0; i < layout.Count; i++)
        {
            result[layout.Parameters[i].Name] = layout.Slice(_parameters.AsSpan(), i).ToArray();
        }

        foreach (var (name, data) in _fixed)
        {
            result[name] = (float[])data.Clone();
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var (_, value) in _parameterValues)
        {
            value.Dispose();
        }

        _train.Dispose();
        _eval.Dispose();
        _forwardOnly?.Dispose();
        _representationBackward?.Dispose();
        _runOptions.Dispose();
    }

    private static void Copy(TrainingCheckpoint checkpoint, CheckpointTensorRole role, string name,
        IReadOnlyList<long> shape, Span<float> destination)
    {
        var tensor = checkpoint.Find(role, name)
            ?? throw new CheckpointMismatchException($"The checkpoint has no {role} tensor '{name}'; it was written for another model.");
        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new CheckpointMismatchException(
                $"The checkpoint's tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], but the model expects [{string.Join(", ", shape)}].");
        }

        tensor.Data.CopyTo(destination);
    }

    private float[] Forward(Batch batch)
    {
        var inputs = _forwardOnly!.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        using var feeds = Feeds(batch, inputs, withWeights: false);
        using var results = _forwardOnly.Run(_runOptions, feeds.Names, feeds.Values, _lossNames);
        return results.Select(r => r.GetTensorDataAsSpan<float>()[0]).ToArray();
    }

    private void AggregateShared(ReadOnlySpan<float> losses)
    {
        var matrix = new GradientMatrix(_taskRows);
        _method.Aggregate(matrix, losses, _sharedUpdate, null);
        _method.GetHeadWeights(losses, _headWeights);
        var layout = _plan.Layout;

        // The weighted-sum gradient of a shared tensor is Σ_t g_t + Σ_r w_r g_r; swap the task part for the update.
        long position = 0;
        foreach (var index in _sharedParameters)
        {
            var slice = layout.Slice(_gradients.AsSpan(), index);
            for (var e = 0; e < slice.Length; e++)
            {
                double taskSum = 0;
                for (var t = 0; t < _taskRows.Length; t++)
                {
                    taskSum += _taskRows[t][position + e];
                }

                slice[e] = (float)(slice[e] - taskSum + _sharedUpdate[position + e]);
            }

            position += slice.Length;
        }

        ScaleHeads();
    }

    private void AggregateRepresentation(Batch batch, float[][] rows, ReadOnlySpan<float> losses)
    {
        var update = new float[rows[0].Length];
        _method.Aggregate(new GradientMatrix(rows), losses, update, null);
        _method.GetHeadWeights(losses, _headWeights);
        var layout = _plan.Layout;
        var names = _sharedParameters.Select(i => _representationGraph!.GradientOutputs[layout.Parameters[i].Name]).ToArray();
        var inputs = _representationBackward!.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        using var feeds = Feeds(batch, inputs, withWeights: false);
        using var updateValue = OrtValue.CreateTensorValueFromMemory(update, [batch.Count, _representationWidth]);
        feeds.Add(TrainingGraphs.RepresentationUpdateInput, updateValue);
        using var results = _representationBackward.Run(_runOptions, feeds.Names, feeds.Values, names);
        for (var k = 0; k < _sharedParameters.Length; k++)
        {
            results[k].GetTensorDataAsSpan<float>().CopyTo(layout.Slice(_gradients.AsSpan(), _sharedParameters[k]));
        }

        ScaleHeads();
    }

    private void ScaleHeads()
    {
        var layout = _plan.Layout;
        for (var i = 0; i < layout.Count; i++)
        {
            var owner = _ownerOfParameter[i];
            if (owner >= 0 && _headWeights[owner] != 1f)
            {
                var slice = layout.Slice(_gradients.AsSpan(), i);
                for (var e = 0; e < slice.Length; e++)
                {
                    slice[e] *= _headWeights[owner];
                }
            }
        }
    }

    private FeedSet Feeds(Batch batch, HashSet<string> wanted, bool withWeights)
    {
        var feeds = new FeedSet();
        var rows = batch.Count;
        foreach (var input in _model.Inputs)
        {
            var shape = new long[input.Shape.Count + 1];
            shape[0] = rows;
            for (var i = 0; i < input.Shape.Count; i++)
            {
                shape[i + 1] = input.Shape[i];
            }

            var size = batch.Layout.SampleSize * rows;
            var value = input.Name switch
            {
                ModelInput.TokenIdsName => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    batch.TokenIds.AsMemory(0, size), shape),
                ModelInput.AttentionMaskName => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    batch.AttentionMask.AsMemory(0, size), shape),
                _ => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Inputs.AsMemory(0, size), shape),
            };
            feeds.AddOwned(input.Name, value);
        }

        for (var t = 0; t < _model.Tasks.Count; t++)
        {
            var task = _model.Tasks[t];
            var labels = batch.Tasks[t];
            if (wanted.Contains(task.MaskName))
            {
                feeds.AddOwned(task.MaskName, OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    labels.Mask.AsMemory(0, rows), [rows]));
            }

            if (!wanted.Contains(task.LabelName))
            {
                continue;
            }

            long[] shape = task.LabelShape.Count == 0 ? [rows] : [rows, task.LabelShape[0]];
            feeds.AddOwned(task.LabelName, labels.Classes.Length > 0
                ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, labels.Classes.AsMemory(0, rows), shape)
                : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, labels.Values.AsMemory(0,
                    rows * labels.Width), shape));
        }

        foreach (var (name, value) in _parameterValues)
        {
            if (wanted.Contains(name))
            {
                feeds.Add(name, value);
            }
        }

        if (withWeights)
        {
            feeds.AddOwned(TrainingGraphs.LossWeightsInput,
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _lossWeights.AsMemory(),
                [_lossWeights.Length]));
        }

        return feeds;
    }

    private sealed class FeedSet : IDisposable
    {
        private readonly List<OrtValue> _owned = [];

        public List<string> Names { get; } = [];

        public List<OrtValue> Values { get; } = [];

        public void Add(string name, OrtValue value)
        {
            Names.Add(name);
            Values.Add(value);
        }

        public void AddOwned(string name, OrtValue value)
        {
            Add(name, value);
            _owned.Add(value);
        }

        public void Dispose()
        {
            foreach (var value in _owned)
            {
                value.Dispose();
            }
        }
    }
}
