using System.Diagnostics;
using System.Numerics.Tensors;
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
using MtlOnnx.Training.Session.Internal;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// Runs training and evaluation steps of a multi-task model on ONNX Runtime: the training graph (forward, losses
/// and the gradients the multi-task method needs) from the autodiff, the evaluation graph in inference mode, the
/// method's weighting or aggregation in between, and the optimizer on flat host buffers.
/// </summary>
/// <remarks>
/// Parameters live in one flat buffer laid out by <see cref="ParameterLayout"/> and are bound to the graphs as
/// <see cref="OrtValue"/>s created once over that buffer, so an optimizer step updates what the next run reads.
/// The training graph runs through an IO binding whose outputs are values over the engine's own buffers (losses,
/// the flat gradient buffer, the per-task gradient rows), so ONNX Runtime writes the gradients where the optimizer
/// and the aggregators read them; the values over a batch's buffers are kept for as long as the loader reuses that
/// batch. A steady training step therefore binds nothing new and allocates only the loss array it returns.
/// <para>
/// Exact per-task gradients come from one graph that back-propagates each task through the trunk. The
/// representation level runs two graphs cut from one (<see cref="RepresentationGraphs"/>): the forward pass and the
/// heads' backward passes, then, after aggregation, only the trunk's backward pass of the update, from activations
/// the first graph leaves in ONNX Runtime's memory; the forward pass runs once.
/// </para>
/// <para>
/// On the CPU a step whose graph couples no rows splits its batch among shards that run the graphs at once, each on
/// one thread (<c>StepEngine.Shards.cs</c>, <see cref="TrainShard"/>); their losses and gradients add up to the whole
/// batch's by each shard's share of the loss denominators (<see cref="LossShares"/>).
/// </para>
/// </remarks>
internal sealed partial class StepEngine : IDisposable
{
    private const ulong DropoutStream = 0xD809_0000UL;

    // The engine keeps the last step's losses beside the method's own fields: a method that weights by the previous
    // step's losses reads them on the first step after a resume.
    private const string PreviousLossesField = "trainer.previous_losses";

    // Below this many rows per shard a batch runs in fewer shards: the per-run overhead would outweigh the parallelism.
    private const int MinShardRows = 16;

    // Rows per shard that an unspecified shard count keeps at least.
    private const int AutoShardRows = 32;

    // Each shard past the first has its own gradient buffers: an unspecified count keeps them within 256 MB.
    private const long MaxShardFloats = 64L << 20;
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
    private readonly RepresentationGraphs? _representation;
    private readonly bool _weightedShared;
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
    private readonly bool _rebindEveryRun;
    private readonly Dictionary<string, OrtValue> _constantInputs = new(StringComparer.Ordinal);
    private readonly BatchValuesCache _batchValues;
    private readonly SessionBinding _trainBinding;
    private readonly string[] _trainInputNames;
    private readonly OrtValue[] _trainInputValues;
    private readonly string[] _trainOutputNames;
    private readonly OrtValue?[] _trainOutputValues;
    private readonly List<OrtValue> _ownedOutputs = [];
    private readonly float[] _lossBuffer;
    private readonly (string Target, float[] Buffer)[] _statistics;
    private readonly int _firstRepresentationOutput;
    private readonly string[] _evalOutputNames;
    private readonly int _seed;
    private readonly IReadOnlyList<DropoutMask> _masks;
    private readonly float[][] _maskBuffers;
    private readonly OrtValue?[] _maskValues;
    private readonly float[][] _sideRows = [];
    private readonly SessionBinding? _backwardBinding;
    private readonly string[] _backwardInputNames = [];
    private readonly OrtValue[] _backwardInputValues = [];
    private readonly string[] _backwardOutputNames = [];
    private readonly int[] _backwardOutputParameters = [];
    private readonly OrtValue[] _backwardOutputValues = [];
    private int[] _carriedSlots = [];
    private float[] _representationUpdate = [];
    private OrtValue? _representationUpdateValue;
    private readonly OrtMemoryInfo? _carriedMemory;
    private float[][] _representationRows = [];
    private int _representationRowsBound = -1;
    private int _maskRows = -1;
    private float[] _previousLosses;
    private readonly List<OutputSlot> _outputSlots = [];
    private readonly TrainShard[] _shards = [];
    private readonly RunOptions[] _shardRunOptions = [];
    private readonly double[][] _shares = [];
    private readonly Task[] _pendingShards = [];
    private readonly Dictionary<string, int> _maskIndex = new(StringComparer.Ordinal);

    public StepEngine(
        MultiTaskModel model,
        IMultitaskMethod method,
        OptimizerSpec optimizer,
        TrainingDevice device,
        int threads,
        int seed,
        int shards = 0,
        int batchRows = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shards);
        _model = model;
        _batchValues = new BatchValuesCache(model);
        _method = method;
        _seed = seed;
        var (forward, values) = TrainingGraphs.ParametersAsInputs(model);
        var (training, masks) = TrainingGraphs.WithDropoutMasks(forward);
        _masks = masks;
        _maskBuffers = new float[masks.Count][];
        _maskValues = new OrtValue?[masks.Count];
        _shapes = TrainingGraphs.Shapes(model);
        var trainable = model.TrainableNames;
        _plan = OptimizerPlan.Create(optimizer,
            trainable.Select(n => new ParameterDescriptor(n, _shapes[n])).ToArray());
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
        var taskIndex = model.Tasks.Select((t, i) => (t.Task.Name, i))
            .ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var info = model.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _ownerOfParameter = layout.Parameters
            .Select(p => info[p.Name].IsShared ? -1 : taskIndex[info[p.Name].Owner])
            .ToArray();
        _sharedParameters = Enumerable.Range(0, layout.Count).Where(i => _ownerOfParameter[i] < 0).ToArray();

        var source = method.GradientSource;

        // In exact mode the aggregated update replaces the task part of the shared parameters' gradient, so the graph
        // computes their weighted-sum gradient only when a regularizer adds to it.
        _weightedShared = source != GradientSource.SharedParameters || model.Regularizers.Count > 0;
        if (source == GradientSource.Representation)
        {
            _representationWidth = TrainingGraphs.RepresentationWidth(model, forward);
            _representation = RepresentationGraphs.Create(model, training, layout, _regularizerWeights,
                _representationWidth);
            _gradientGraph = _representation.Gradients;
        }
        else
        {
            _gradientGraph = Autodiff.Autodiff.Differentiate(training, new GradientRequest
            {
                Losses = _lossNames,
                LossWeightsInput = TrainingGraphs.LossWeightsInput,
                WithRespectTo = _weightedShared
                    ? trainable
                    : [.. trainable.Where((_, i) => _ownerOfParameter[i] >= 0)],
                PerLossWithRespectTo = source == GradientSource.SharedParameters
                    ? [.. _sharedParameters.Select(i => layout.Parameters[i].Name)]
                    : [],
            });
        }

        // On the CPU, a step whose losses are weighted means over the batch and whose graph couples no rows (no running
        // statistics, no regularizer) runs as a data-parallel step: the batch's rows split among shards that each run
        // the training graph on one thread at the same time. ONNX Runtime's intra-op threads split each operator
        // instead, which for the small convolutions of a LeNet keeps two cores about two-thirds busy.
        var cores = threads > 0 ? threads : Environment.ProcessorCount;
        var shardable = !device.IsCuda && model.Regularizers.Count == 0 &&
            _gradientGraph.RunningStatisticOutputs.Count == 0;

        // Unless a count is given: one shard per thread, each with at least 32 rows of a full batch, and gradient
        // buffers of the shards past the first within 256 MB.
        var shardCount = !shardable ? 1 : shards > 0 ? shards
            : Math.Clamp(Math.Min(cores, MemoryBoundShards(source, taskCount)), 1,
                batchRows > 0 ? Math.Max(1, batchRows / AutoShardRows) : int.MaxValue);
        using var options = CreateOptions(device, threads);
        using var trainOptions = shardCount > 1 ? CreateOptions(device, Math.Max(1, cores / shardCount)) : null;
        _rebindEveryRun = device.IsCuda;
        _train = new InferenceSession(OnnxModelIO.ToBytes(_representation?.Split.First ?? _gradientGraph.Model),
            trainOptions ?? options);
        var evaluation = TrainingGraphs.ToEvaluation(forward);
        _eval = new InferenceSession(OnnxModelIO.ToBytes(evaluation), options);
        if (method.LossWeightsUseCurrentLosses || method.RequiresLossesAfterStep)
        {
            _forwardOnly = new InferenceSession(OnnxModelIO.ToBytes(training), options);
        }

        if (source == GradientSource.SharedParameters)
        {
            var sharedCount = _sharedParameters.Sum(i => layout.Parameters[i].ElementCount);
            _taskRows = Enumerable.Range(0, taskCount).Select(_ => new float[sharedCount]).ToArray();
            _sharedUpdate = new float[sharedCount];
        }
        else if (_representation is not null)
        {
            _representationBackward = new InferenceSession(OnnxModelIO.ToBytes(_representation.Split.Second),
                options);
            var sideCount = _representation.SideParameters.Sum(i => layout.Parameters[i].ElementCount);
            _sideRows = _representation.SideLosses.Select(_ => new float[sideCount]).ToArray();
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

        foreach (var (name, value) in _parameterValues)
        {
            _constantInputs[name] = value;
        }

        var lossWeights = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _lossWeights.AsMemory(),
            [_lossWeights.Length]);
        _parameterValues.Add((TrainingGraphs.LossWeightsInput, lossWeights));
        _constantInputs[TrainingGraphs.LossWeightsInput] = lossWeights;

        // The training graph's outputs, in binding order: losses, full gradients, per-loss gradients (keyed by loss,
        // then tensor), statistics.
        _lossBuffer = new float[_lossNames.Length];
        _statistics = _gradientGraph.RunningStatisticOutputs
            .Select(s => (s.Key, new float[_fixed[s.Key].Length]))
            .ToArray();
        var outputNames = new List<string>(_lossNames);
        for (var i = 0; i < _lossNames.Length; i++)
        {
            _outputSlots.Add(new OutputSlot(OutputKind.Loss, i, 0, 1, []));
        }

        var secondOutputs = _representation?.Split.Second.Graph.Output.Select(o => o.Name)
            .ToHashSet(StringComparer.Ordinal) ?? [];
        for (var p = 0; p < layout.Count; p++)
        {
            // The first graph writes the weighted-sum gradients it computes; in representation mode those are the
            // trunk's that do not depend on the update (none, unless only a regularizer reaches a parameter).
            var parameter = layout.Parameters[p];
            if (!_gradientGraph.GradientOutputs.TryGetValue(parameter.Name, out var gradient) ||
                secondOutputs.Contains(gradient))
            {
                continue;
            }

            outputNames.Add(gradient);
            _outputSlots.Add(new OutputSlot(OutputKind.Gradient, p, (int)layout.OffsetOf(p),
                (int)parameter.ElementCount, [.. parameter.Shape]));
        }

        if (_representation is not null)
        {
            // Each loss's own gradient of the parameters above the representation, one row per loss.
            for (var l = 0; l < _sideRows.Length; l++)
            {
                var perLoss = _gradientGraph.PerLossGradientOutputs[_representation.SideLosses[l]];
                var position = 0;
                foreach (var index in _representation.SideParameters)
                {
                    var parameter = layout.Parameters[index];
                    var count = (int)parameter.ElementCount;
                    outputNames.Add(perLoss[parameter.Name]);
                    _outputSlots.Add(new OutputSlot(OutputKind.SideRow, l, position, count, [.. parameter.Shape]));
                    position += count;
                }
            }
        }

        if (source == GradientSource.SharedParameters)
        {
            // Each task's gradient of a shared tensor lands in that task's row of the gradient matrix.
            var position = 0;
            foreach (var index in _sharedParameters)
            {
                var parameter = layout.Parameters[index];
                var count = (int)parameter.ElementCount;
                for (var t = 0; t < taskCount; t++)
                {
                    outputNames.Add(_gradientGraph.PerLossGradientOutputs[model.Tasks[t].LossName][parameter.Name]);
                    _outputSlots.Add(new OutputSlot(OutputKind.TaskRow, t, position, count, [.. parameter.Shape]));
                }

                position += count;
            }
        }

        _firstRepresentationOutput = outputNames.Count;
        if (source == GradientSource.Representation)
        {
            // Bound once the row count of the first batch is known.
            for (var t = 0; t < taskCount; t++)
            {
                var perLoss = _gradientGraph.PerLossGradientOutputs[model.Tasks[t].LossName];
                outputNames.Add(perLoss[model.RepresentationName]);
                _outputSlots.Add(new OutputSlot(OutputKind.RepresentationRow, t, 0, 0, []));
            }
        }

        for (var k = 0; k < _statistics.Length; k++)
        {
            var (target, buffer) = _statistics[k];
            outputNames.Add(_gradientGraph.RunningStatisticOutputs[target]);
            _outputSlots.Add(new OutputSlot(OutputKind.Statistic, k, 0, buffer.Length, [.. _shapes[target]]));
        }

        _trainOutputNames = [.. outputNames];
        _trainOutputValues = OutputsOver(_lossBuffer, _gradients, _sideRows, _taskRows,
            [.. _statistics.Select(s => s.Buffer)]);
        _ownedOutputs.AddRange(_trainOutputValues.OfType<OrtValue>());
        _trainInputNames = [.. _train.InputNames];
        _trainInputValues = new OrtValue[_trainInputNames.Length];
        _trainBinding = new SessionBinding(_train, _trainInputNames.Length, _trainOutputNames.Length);
        if (_representation is not null)
        {
            _carriedMemory = device.MemoryInfo;
            var second = _representationBackward!;
            _backwardInputNames = [.. second.InputNames];
            _backwardInputValues = new OrtValue[_backwardInputNames.Length];
            _backwardOutputNames = [.. second.OutputNames];
            var parameterOf = Enumerable.Range(0, layout.Count)
                .Where(i => _gradientGraph.GradientOutputs.ContainsKey(layout.Parameters[i].Name))
                .ToDictionary(i => _gradientGraph.GradientOutputs[layout.Parameters[i].Name], StringComparer.Ordinal);
            _backwardOutputParameters = [.. _backwardOutputNames.Select(n => parameterOf[n])];
            _backwardOutputValues = [.. _backwardOutputParameters.Select(p =>
                OwnedOutput(GradientMemory(p), layout.Parameters[p].Shape))];
            _backwardBinding = new SessionBinding(second, _backwardInputNames.Length, _backwardOutputNames.Length);
        }

        _evalOutputNames = [.. _lossNames, .. model.Tasks.Select(t => t.OutputName)];
        if (shardCount > 1)
        {
            for (var k = 0; k < _masks.Count; k++)
            {
                _maskIndex[_masks[k].InputName] = k;
            }

            _shards = [.. Enumerable.Range(0, shardCount).Select(CreateShard)];
            _shardRunOptions = [.. _shards.Select(_ => new RunOptions())];

            _shares = [.. Enumerable.Range(0, taskCount).Select(_ => new double[shardCount])];
            _pendingShards = new Task[shardCount - 1];
        }
    }

    /// <summary>Gets how many shards a full batch's training step runs in at once; 1 when it is not split.</summary>
    public int Shards => Math.Max(1, _shards.Length);

    public OptimizerPlan Plan => _plan;

    public long StepCount { get; private set; }

    public double LastGradientNorm => _optimizer.LastGradientNorm;

    public IReadOnlyList<string> LossNames => _lossNames;

    public ReadOnlySpan<float> HeadWeights => _headWeights;

    public ReadOnlySpan<float> LossWeights => _lossWeights;

    /// <summary>Gets how long the last step's training graph ran (with representation gradients, the first part).</summary>
    public TimeSpan LastTrainingGraphTime { get; private set; }

    /// <summary>Gets how long the last step's trunk-backward graph ran; zero unless representation gradients.</summary>
    public TimeSpan LastBackwardGraphTime { get; private set; }

    /// <summary>Runs one training step on a batch and returns the losses (tasks, then regularisers).</summary>
    public float[] TrainStep(Batch batch, float learningRate)
    {
        var taskCount = _model.Tasks.Count;
        var source = _method.GradientSource;
        DrawMasks(StepCount + 1, batch.Count);
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

        // ONNX Runtime writes losses, gradients and per-task rows straight into the engine's buffers.
        var values = ValuesOf(batch);
        var active = _shards.Length > 0 ? AssignShards(batch.Count) : 1;
        if (source == GradientSource.Representation && _representationRowsBound != batch.Count)
        {
            BindRepresentationRows(batch.Count, active);
        }

        if (_shards.Length > 0)
        {
            RunShards(batch, active);
        }
        else
        {
            for (var i = 0; i < _trainInputNames.Length; i++)
            {
                _trainInputValues[i] = Input(_trainInputNames[i], values);
            }

            _trainBinding.BindCallerValues(_trainInputNames, _trainInputValues, _trainOutputNames,
                _trainOutputValues!, always: _rebindEveryRun);
            var started = Stopwatch.GetTimestamp();
            _train.RunWithBinding(_runOptions, _trainBinding.Binding);
            LastTrainingGraphTime = Stopwatch.GetElapsedTime(started);
            if (_rebindEveryRun)
            {
                _trainBinding.Binding.SynchronizeBoundOutputs();
            }
        }

        var losses = (float[])_lossBuffer.Clone();
        foreach (var (target, buffer) in _statistics)
        {
            buffer.CopyTo(_fixed[target], 0);
        }

        losses.AsSpan(0, taskCount).CopyTo(_taskLosses);
        if (source == GradientSource.SharedParameters)
        {
            AggregateShared(losses.AsSpan(0, taskCount));
        }
        else if (source == GradientSource.Representation)
        {
            AggregateRepresentation(batch, losses.AsSpan(0, taskCount), values, active);
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
        using var results = Run(_eval, batch, _evalOutputNames);
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

    public void CompleteEpoch()
    {
        _method.CompleteEpoch();
    }

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
            checkpoint.Tensors.Add(new CheckpointTensor(name, CheckpointTensorRole.Frozen, _shapes[name],
                (float[])data.Clone()));
        }

        checkpoint.Step = StepCount;
        checkpoint.Optimizer = _plan.Spec;
        var state = _method.SaveState();
        state.SetFloats(PreviousLossesField, _previousLosses);
        checkpoint.MethodState = state.ToBytes();
    }

    /// <summary>Restores parameters, fixed tensors, optimizer state and the method's state from a checkpoint.</summary>
    /// <exception cref="CheckpointMismatchException">
    /// A tensor is missing or has another shape, or the method's state is damaged or belongs to another method.
    /// </exception>
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
            if (checkpoint.MethodState is { } bytes)
            {
                try
                {
                    var state = MethodState.FromBytes(bytes);
                    _method.LoadState(state);
                    state.ReadFloats(PreviousLossesField, _previousLosses);
                }
                catch (MethodStateException error)
                {
                    throw new CheckpointMismatchException(
                        $"The checkpoint's state of method '{_method.Name}' cannot be restored: {error.Message}", error);
                }
            }
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

        foreach (var value in _ownedOutputs)
        {
            value.Dispose();
        }

        _batchValues.Dispose();

        foreach (var mask in _maskValues)
        {
            mask?.Dispose();
        }

        foreach (var shard in _shards)
        {
            shard.Dispose();
        }

        foreach (var shardOptions in _shardRunOptions)
        {
            shardOptions.Dispose();
        }

        _trainBinding.Dispose();
        _train.Dispose();
        _eval.Dispose();
        _forwardOnly?.Dispose();
        _backwardBinding?.Dispose();
        _representationBackward?.Dispose();
        _representationUpdateValue?.Dispose();
        _runOptions.Dispose();
    }

    private static void Copy(TrainingCheckpoint checkpoint, CheckpointTensorRole role, string name,
        IReadOnlyList<long> shape, Span<float> destination)
    {
        var tensor = checkpoint.Find(role, name)
            ?? throw new CheckpointMismatchException(
                $"The checkpoint has no {role} tensor '{name}'; it was written for another model.");
        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new CheckpointMismatchException(
                $"The checkpoint's tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], " +
                $"but the model expects [{string.Join(", ", shape)}].");
        }

        tensor.Data.CopyTo(destination);
    }

    private static SessionOptions CreateOptions(TrainingDevice device, int threads)
    {
        var options = device.CreateSessionOptions(threads);
        options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;

        // Idle intra-op workers spin by default. Here they compete with the loader's producer thread for the same
        // cores (and, on a shared machine, with other processes): with two threads on two busy cores, spinning cost
        // about a third of the throughput of Multi-Fashion's LeNet, and not spinning lost nothing measurable.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private float[] Forward(Batch batch)
    {
        using var results = Run(_forwardOnly!, batch, _lossNames);
        var losses = new float[results.Count];
        for (var i = 0; i < losses.Length; i++)
        {
            losses[i] = results[i].GetTensorDataAsSpan<float>()[0];
        }

        return losses;
    }

    private void AggregateShared(ReadOnlySpan<float> losses)
    {
        var matrix = new GradientMatrix(_taskRows);
        _method.Aggregate(matrix, losses, _sharedUpdate, null);
        _method.GetHeadWeights(losses, _headWeights);
        var layout = _plan.Layout;
        var position = 0;
        foreach (var index in _sharedParameters)
        {
            var slice = layout.Slice(_gradients.AsSpan(), index);
            var update = _sharedUpdate.AsSpan(position, slice.Length);
            if (!_weightedShared)
            {
                update.CopyTo(slice);
                position += slice.Length;
                continue;
            }

            // The weighted-sum gradient of a shared tensor is Σ_t g_t + Σ_r w_r g_r; swap the task part for the update.
            for (var e = 0; e < slice.Length; e++)
            {
                double taskSum = 0;
                for (var t = 0; t < _taskRows.Length; t++)
                {
                    taskSum += _taskRows[t][position + e];
                }

                slice[e] = (float)(slice[e] - taskSum + update[e]);
            }

            position += slice.Length;
        }

        ScaleHeads();
    }

    private void AggregateRepresentation(Batch batch, ReadOnlySpan<float> losses, BatchValues values, int active)
    {
        var representation = _representation!;
        _method.Aggregate(new GradientMatrix(_representationRows), losses, _representationUpdate, null);
        _method.GetHeadWeights(losses, _headWeights);

        // Above the representation: Σ_t g_t + Σ_r w_r g_r from the losses' own gradients.
        var layout = _plan.Layout;
        var taskCount = _model.Tasks.Count;
        var position = 0;
        foreach (var index in representation.SideParameters)
        {
            var slice = layout.Slice(_gradients.AsSpan(), index);
            _sideRows[0].AsSpan(position, slice.Length).CopyTo(slice);
            for (var l = 1; l < _sideRows.Length; l++)
            {
                var weight = l < taskCount ? 1f : _regularizerWeights[l - taskCount];
                TensorPrimitives.MultiplyAdd(_sideRows[l].AsSpan(position, slice.Length), weight, slice, slice);
            }

            position += slice.Length;
        }

        if (_shards.Length > 0)
        {
            RunBackwardShards(batch, active);
            ScaleHeads();
            return;
        }

        // Below it: the trunk's backward pass of the update, from the activations the first graph left in its outputs.
        using var produced = _trainBinding.Binding.GetOutputValues();
        if (_carriedSlots.Length != representation.Split.Carried.Count)
        {
            var names = _trainBinding.Binding.GetOutputNames();
            var slotOf = names.Select((n, k) => (n, k)).ToDictionary(p => p.n, p => p.k, StringComparer.Ordinal);
            _carriedSlots = [.. _backwardInputNames.Select(n => slotOf.GetValueOrDefault(n, -1))];
        }

        for (var i = 0; i < _backwardInputNames.Length; i++)
        {
            var name = _backwardInputNames[i];
            _backwardInputValues[i] = name == TrainingGraphs.RepresentationUpdateInput ? _representationUpdateValue!
                : _carriedSlots[i] >= 0 && representation.Split.Carried.Contains(name) ? produced[_carriedSlots[i]]
                : Input(name, values);
        }

        _backwardBinding!.BindCallerValues(_backwardInputNames, _backwardInputValues, _backwardOutputNames,
            _backwardOutputValues, always: _rebindEveryRun);
        var started = Stopwatch.GetTimestamp();
        _representationBackward!.RunWithBinding(_runOptions, _backwardBinding.Binding);
        LastBackwardGraphTime = Stopwatch.GetElapsedTime(started);
        if (_rebindEveryRun)
        {
            _backwardBinding.Binding.SynchronizeBoundOutputs();
        }

        ScaleHeads();
    }

    private void BindRepresentationRows(int rows, int active)
    {
        // The per-task gradients at the representation are [N, F]: new buffers when the row count changes.
        var taskCount = _model.Tasks.Count;
        _representationRows = new float[taskCount][];
        for (var t = 0; t < taskCount; t++)
        {
            _representationRows[t] = new float[rows * _representationWidth];
            var slot = _firstRepresentationOutput + t;
            var previous = _trainOutputValues[slot];
            _trainOutputValues[slot] = OwnedOutput(_representationRows[t].AsMemory(), [rows, _representationWidth]);
            if (previous is not null)
            {
                _ownedOutputs.Remove(previous);
                previous.Dispose();
            }
        }

        _representationUpdate = new float[rows * _representationWidth];
        _representationUpdateValue?.Dispose();
        _representationUpdateValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            _representationUpdate.AsMemory(), [rows, _representationWidth]);
        _representationRowsBound = rows;

        // The activations the trunk's backward pass reads stay in ONNX Runtime's memory (on the device) between the
        // two runs. The binding keeps the values of its first run and writes into them again, so they are bound
        // afresh when the row count changes; that may also move them among the binding's outputs.
        foreach (var name in _representation!.Split.Carried)
        {
            _trainBinding.Binding.BindOutputToDevice(name, _carriedMemory!);
        }

        _carriedSlots = [];

        // Each shard writes its rows of the task gradients and reads its rows of the update in place.
        var width = (int)_representationWidth;
        for (var s = 0; s < Math.Min(active, _shards.Length); s++)
        {
            var shard = _shards[s];
            var offset = shard.Start * width;
            var length = shard.Rows * width;
            for (var t = 0; t < taskCount; t++)
            {
                shard.SetOutput(_firstRepresentationOutput + t, OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, _representationRows[t].AsMemory(offset, length),
                    [shard.Rows, _representationWidth]));
            }

            shard.UpdateValue?.Dispose();
            shard.UpdateValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                _representationUpdate.AsMemory(offset, length), [shard.Rows, _representationWidth]);
            foreach (var name in _representation.Split.Carried)
            {
                shard.Binding.Binding.BindOutputToDevice(name, _carriedMemory!);
            }

            shard.CarriedSlots = [];
        }
    }

    private void DrawMasks(long step, int rows)
    {
        if (_masks.Count == 0)
        {
            return;
        }

        if (rows != _maskRows)
        {
            for (var k = 0; k < _masks.Count; k++)
            {
                _maskValues[k]?.Dispose();
                _maskBuffers[k] = new float[rows * _masks[k].SampleSize];
                _maskValues[k] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    _maskBuffers[k].AsMemory(), [rows, .. _masks[k].SampleShape]);
                _constantInputs[_masks[k].InputName] = _maskValues[k]!;
            }

            _maskRows = rows;
        }

        // One stream per dropout and step, from the run's seed: a resumed run draws the masks of the same steps.
        for (var k = 0; k < _masks.Count; k++)
        {
            var random = SeededRandom.Derive((ulong)_seed, DropoutStream + (ulong)k, (ulong)step);
            var drop = _masks[k].Probability;
            var scale = 1f / (1f - drop);
            var buffer = _maskBuffers[k];
            for (var i = 0; i < buffer.Length; i++)
            {
                buffer[i] = random.NextDouble() < drop ? 0f : scale;
            }
        }
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

    private Memory<float> GradientMemory(int parameter) =>
        _gradients.AsMemory((int)_plan.Layout.OffsetOf(parameter), (int)_plan.Layout.Parameters[parameter].ElementCount);

    /// <summary>
    /// The training graph's outputs over a set of buffers (the engine's or a shard's), in binding order; the
    /// representation rows stay null until the row count is known.
    /// </summary>
    private OrtValue?[] OutputsOver(float[] losses, float[] gradients, float[][] sideRows, float[][] taskRows,
        float[][] statistics)
    {
        var values = new OrtValue?[_outputSlots.Count];
        for (var k = 0; k < values.Length; k++)
        {
            var slot = _outputSlots[k];
            var memory = slot.Kind switch
            {
                OutputKind.Loss => losses.AsMemory(slot.Index, 1),
                OutputKind.Gradient => gradients.AsMemory(slot.Offset, slot.Count),
                OutputKind.SideRow => sideRows[slot.Index].AsMemory(slot.Offset, slot.Count),
                OutputKind.TaskRow => taskRows[slot.Index].AsMemory(slot.Offset, slot.Count),
                OutputKind.Statistic => statistics[slot.Index].AsMemory(),
                _ => Memory<float>.Empty,
            };
            values[k] = slot.Kind == OutputKind.RepresentationRow ? null
                : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, slot.Shape);
        }

        return values;
    }

    private OrtValue OwnedOutput(Memory<float> memory, IReadOnlyList<long> shape)
    {
        var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, [.. shape]);
        _ownedOutputs.Add(value);
        return value;
    }

    /// <summary>Runs a graph with plain <c>Run</c> (outputs allocated by ONNX Runtime) on a batch.</summary>
    private IDisposableReadOnlyCollection<OrtValue> Run(
        InferenceSession session,
        Batch batch,
        IReadOnlyCollection<string> outputs)
    {
        var values = ValuesOf(batch);
        var names = session.InputNames;
        var inputs = new OrtValue[names.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = Input(names[i], values);
        }

        return session.Run(_runOptions, names, inputs, outputs);
    }

    private OrtValue Input(string name, BatchValues batch)
    {
        if (batch.TryGet(name, out var value) || _constantInputs.TryGetValue(name, out value))
        {
            return value;
        }

        throw new InvalidOperationException(
            $"The graph input '{name}' is neither a parameter nor part of a batch of {_model.Tasks.Count} tasks.");
    }

    /// <summary>Gets the values over a batch's buffers, reusing those made for the same batch object.</summary>
    private BatchValues ValuesOf(Batch batch) => _batchValues.Get(batch, 0, batch.Count);

    /// <summary>What a training-graph output holds.</summary>
    private enum OutputKind
    {
        Loss,
        Gradient,
        SideRow,
        TaskRow,
        RepresentationRow,
        Statistic,
    }

    /// <summary>Where a training-graph output lands: a loss, a slice of the gradients or of a per-loss row.</summary>
    /// <param name="Kind">What the output holds.</param>
    /// <param name="Index">The loss, parameter, side loss or task.</param>
    /// <param name="Offset">The first element in its buffer.</param>
    /// <param name="Count">The element count.</param>
    /// <param name="Shape">The tensor shape.</param>
    private readonly record struct OutputSlot(OutputKind Kind, int Index, int Offset, int Count, long[] Shape);
}
