using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Artifacts.Internal;
using MtlOnnx.Training.Checkpoints;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Schedulers;
using MtlOnnx.Training.Session.Internal;

namespace MtlOnnx.Training.Session;

/// <summary>
/// Trains the graphs of a <see cref="TrainingArtifacts"/> directory on ordinary ONNX Runtime inference sessions,
/// with the shape of ONNX Runtime's former on-device training API: <c>TrainStep</c>, <c>EvalStep</c>,
/// <see cref="OptimizerStep"/>, <see cref="LazyResetGrad"/>, learning rates and schedulers, checkpoints and export.
/// </summary>
/// <remarks>
/// <para>
/// The session owns the parameters, the accumulated gradients and the optimizer state, in buffers on the training
/// device that it binds to the graphs once. Gradients accumulate across <c>TrainStep</c> calls until
/// <see cref="LazyResetGrad"/> asks for the next step to replace them; <see cref="OptimizerStep"/> applies them.
/// Because ONNX Runtime never writes an output into an input, the accumulated gradients live in two buffers that
/// swap roles after every step, and so do parameters and state when the optimizer runs as a graph.
/// </para>
/// <para>
/// On the CPU a steady loop allocates no managed memory, provided the caller passes the same input and output
/// values each step (refilling their buffers): bindings are then reused as they are. The session is not
/// thread-safe and must be disposed.
/// </para>
/// <para>
/// <c>Microsoft.ML.OnnxRuntime</c> still declares a <c>TrainingSession</c> for the removed training build; code that
/// imports both namespaces names this one with a using alias.
/// </para>
/// </remarks>
public sealed class TrainingSession : IDisposable
{
    private readonly TrainingSessionOptions _options;
    private readonly ILogger _logger;
    private readonly TrainingDevice _device;
    private readonly TrainingArtifacts _artifacts;
    private readonly OptimizerPlan _plan;
    private readonly InferenceSession _training;
    private readonly InferenceSession _eval;
    private readonly CpuOptimizer? _cpuOptimizer;
    private readonly GraphOptimizer? _graphOptimizer;
    private readonly OptimizerBuffers[] _trainable;
    private readonly DeviceTensorSet _frozen;
    private readonly DeviceTensorSet[] _gradients;
    private readonly DeviceTensorSet? _statisticsOut;
    private readonly int[] _statisticTargets;
    private readonly ParameterLayout _frozenLayout;
    private readonly bool[] _reset = GC.AllocateArray<bool>(1, pinned: true);
    private readonly OrtValue _resetValue;
    private readonly RunOptions _runOptions = new();
    private readonly SessionBinding?[,] _trainBindings = new SessionBinding?[2, 2];
    private readonly SessionBinding?[] _evalBindings = new SessionBinding?[2];
    private readonly string[] _trainInputs;
    private readonly string[] _evalInputs;
    private readonly string[] _trainOutputsAll;
    private readonly string[] _evalOutputsAll;
    private string[] _trainOutputs;
    private string[] _evalOutputs;
    private int _parameterSide;
    private int _gradientSide;
    private bool _resetPending = true;
    private float _learningRate;
    private bool _learningRateIsConstant;
    private LearningRateScheduler? _scheduler;
    private bool _disposed;

    /// <summary>Opens a session on an artifact directory, starting from its checkpoint.</summary>
    /// <param name="artifactDirectory">The directory written by <see cref="ArtifactGenerator"/>.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="FileNotFoundException">An artifact file is missing.</exception>
    /// <exception cref="DeviceUnavailableException">The device cannot be used.</exception>
    /// <exception cref="CheckpointException">The checkpoint is unreadable or does not match the graphs.</exception>
    public TrainingSession(string artifactDirectory, TrainingSessionOptions? options = null)
        : this(TrainingArtifacts.Load(artifactDirectory), options)
    {
    }

    /// <summary>Opens a session on generated artifacts, starting from their checkpoint.</summary>
    /// <param name="artifacts">The artifacts.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="FileNotFoundException">An artifact file is missing.</exception>
    /// <exception cref="DeviceUnavailableException">The device cannot be used.</exception>
    /// <exception cref="CheckpointException">The checkpoint is unreadable or does not match the graphs.</exception>
    public TrainingSession(TrainingArtifacts artifacts, TrainingSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        _artifacts = artifacts;
        _options = options ?? new TrainingSessionOptions();
        _logger = _options.Logger ?? NullLogger.Instance;
        _plan = OptimizerPlan.Create(artifacts.Optimizer, artifacts.Trainable);
        _frozenLayout = new ParameterLayout(artifacts.Frozen);
        _learningRate = artifacts.Optimizer.LearningRate;

        var created = new List<IDisposable>();
        try
        {
            _device = TrainingDevice.Resolve(_options.Device, _logger);
            created.Add(_device);
            var execution = _options.Optimizer;
            if (execution == OptimizerExecution.Auto)
            {
                execution = _device.IsCuda ? OptimizerExecution.Graph : OptimizerExecution.Cpu;
            }

            if (execution == OptimizerExecution.Cpu && _device.IsCuda)
            {
                throw new ArgumentException(
                    "The CPU optimizer path updates host memory, but the session trains on " +
                    $"{_device.Name}; use OptimizerExecution.Graph or Auto.", nameof(options));
            }

            using (var sessionOptions = _device.CreateSessionOptions(_options.IntraOpThreads, _options.OptimizationLevel))
            {
                _training = new InferenceSession(RequireFile(artifacts.TrainingModelPath), sessionOptions);
                created.Add(_training);
                _eval = new InferenceSession(RequireFile(artifacts.EvalModelPath), sessionOptions);
                created.Add(_eval);
            }

            var sides = execution == OptimizerExecution.Graph ? 2 : 1;
            _trainable = new OptimizerBuffers[sides];
            for (var s = 0; s < sides; s++)
            {
                _trainable[s] = new OptimizerBuffers(_plan, _device);
                created.Add(_trainable[s]);
            }

            _frozen = _device.Allocate(_frozenLayout);
            created.Add(_frozen);
            _gradients = [_device.Allocate(_plan.Layout), _device.Allocate(_plan.Layout)];
            created.AddRange(_gradients);

            var statistics = artifacts.RunningStatistics.Keys.Order(StringComparer.Ordinal).ToArray();
            _statisticTargets = statistics.Select(_frozenLayout.IndexOf).ToArray();
            if (statistics.Length > 0)
            {
                _statisticsOut = _device.Allocate(
                    new ParameterLayout(_statisticTargets.Select(i => _frozenLayout.Parameters[i]).ToArray()));
                created.Add(_statisticsOut);
            }

            if (execution == OptimizerExecution.Graph)
            {
                var model = OnnxModelIO.Load(RequireFile(artifacts.OptimizerModelPath));
                _graphOptimizer = new GraphOptimizer(_plan, _device, model, _options.IntraOpThreads);
                created.Add(_graphOptimizer);
            }
            else
            {
                _cpuOptimizer = new CpuOptimizer(_plan);
            }

            _resetValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _reset.AsMemory(), [1]);
            created.Add(_resetValue);

            var owned = artifacts.Trainable.Concat(artifacts.Frozen).Select(p => p.Name)
                .Concat(artifacts.Trainable.Select(p => ArtifactNames.AccumulationBuffer(p.Name)))
                .Append(ArtifactNames.LazyResetGrad)
                .ToHashSet(StringComparer.Ordinal);
            var sessionOutputs = artifacts.Trainable.Select(p => ArtifactNames.AccumulationOutput(p.Name))
                .Concat(artifacts.RunningStatistics.Values)
                .ToHashSet(StringComparer.Ordinal);
            _trainInputs = _training.InputNames.Where(n => !owned.Contains(n)).ToArray();
            _evalInputs = _eval.InputNames.Where(n => !owned.Contains(n)).ToArray();
            _trainOutputsAll = _training.OutputNames.Where(n => !sessionOutputs.Contains(n)).ToArray();
            _evalOutputsAll = [.. _eval.OutputNames];
            _trainOutputs = [.. artifacts.Losses];
            _evalOutputs = [.. _evalOutputsAll];

            LoadState(TrainingCheckpoint.Load(RequireFile(artifacts.CheckpointPath)), artifacts.CheckpointPath);
            TrainingSessionLog.Created(
                _logger,
                _device.Name,
                _plan.Layout.Count,
                _plan.Layout.TotalElementCount,
                _frozenLayout.Count,
                artifacts.Optimizer.Kind,
                execution);
        }
        catch
        {
            for (var i = created.Count - 1; i >= 0; i--)
            {
                created[i].Dispose();
            }

            throw;
        }
    }

    /// <summary>Gets the device the session trains on.</summary>
    public TrainingDevice Device => _device;

    /// <summary>Gets the artifacts.</summary>
    public TrainingArtifacts Artifacts => _artifacts;

    /// <summary>Gets the optimizer plan: parameter groups and state slots.</summary>
    public OptimizerPlan OptimizerPlan => _plan;

    /// <summary>Gets whether the optimizer runs as a graph (otherwise on the CPU path).</summary>
    public bool UsesOptimizerGraph => _graphOptimizer is not null;

    /// <summary>Gets the number of optimizer steps taken.</summary>
    public long Step { get; private set; }

    /// <summary>Gets the trainable parameters, in the order of flat buffers.</summary>
    public IReadOnlyList<ParameterDescriptor> TrainableParameters => _plan.Layout.Parameters;

    /// <summary>Gets the frozen parameters.</summary>
    public IReadOnlyList<ParameterDescriptor> FrozenParameters => _frozenLayout.Parameters;

    /// <summary>Gets the user properties saved with checkpoints.</summary>
    public CheckpointProperties Properties { get; } = new();

    /// <summary>Gets or sets the random-number state saved with checkpoints (for example the data loader's).</summary>
    public IReadOnlyList<ulong>? RandomState { get; set; }

    /// <summary>Gets or sets the multi-task method's state saved with checkpoints.</summary>
    public byte[]? MethodState { get; set; }

    /// <summary>
    /// Gets the flat gradient buffer the next <see cref="OptimizerStep"/> applies, laid out like
    /// <see cref="TrainableParameters"/>. Gradient aggregation may overwrite it. Valid until the next
    /// <see cref="TrainStep(IReadOnlyList{OrtValue}, IReadOnlyList{OrtValue})"/>; available on the CPU device only.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session trains on CUDA.</exception>
    public Span<float> GradientBuffer => _gradients[_gradientSide].HostSpan;

    /// <summary>Gets the caller inputs of the training or evaluation graph, in the order steps take them.</summary>
    /// <param name="training">Whether to describe the training graph (otherwise the evaluation graph).</param>
    /// <returns>The names.</returns>
    public IReadOnlyList<string> InputNames(bool training) => training ? _trainInputs : _evalInputs;

    /// <summary>
    /// Gets the outputs that steps return, in order. For training these are the losses unless
    /// <see cref="SelectOutputs"/> chose others; for evaluation, every output of the graph.
    /// </summary>
    /// <param name="training">Whether to describe the training graph.</param>
    /// <returns>The names.</returns>
    public IReadOnlyList<string> OutputNames(bool training) => training ? _trainOutputs : _evalOutputs;

    /// <summary>Gets every output a step can return.</summary>
    /// <param name="training">Whether to describe the training graph.</param>
    /// <returns>The names.</returns>
    public IReadOnlyList<string> AvailableOutputNames(bool training) => training ? _trainOutputsAll : _evalOutputsAll;

    /// <summary>Chooses the outputs that steps return, for example a task's logits or per-loss gradients.</summary>
    /// <param name="training">Whether to configure the training graph.</param>
    /// <param name="names">The outputs, in the order steps will return them.</param>
    /// <exception cref="ArgumentException">A name is not an output of the graph.</exception>
    public void SelectOutputs(bool training, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var selected = names.ToArray();
        var available = training ? _trainOutputsAll : _evalOutputsAll;
        foreach (var name in selected)
        {
            if (!available.Contains(name))
            {
                throw new ArgumentException(
                    $"'{name}' is not an output of the {(training ? "training" : "evaluation")} graph; the outputs are " +
                    $"{string.Join(", ", available)}.",
                    nameof(names));
            }
        }

        // Bindings hold the previous selection; drop them, and they are rebuilt on the next step.
        if (training)
        {
            _trainOutputs = selected;
            foreach (var binding in _trainBindings)
            {
                binding?.Dispose();
            }

            Array.Clear(_trainBindings);
        }
        else
        {
            _evalOutputs = selected;
            foreach (var binding in _evalBindings)
            {
                binding?.Dispose();
            }

            Array.Clear(_evalBindings);
        }
    }

    /// <summary>
    /// Runs the training graph on one batch: computes the outputs and adds the gradients to the accumulated ones
    /// (or replaces them after <see cref="LazyResetGrad"/>), writing the outputs into the caller's values.
    /// </summary>
    /// <param name="inputs">The values of <see cref="InputNames"/>(true), in order.</param>
    /// <param name="outputs">Values to receive <see cref="OutputNames"/>(true), in order, with the right shapes.</param>
    /// <exception cref="ArgumentException">The number of inputs or outputs is wrong.</exception>
    /// <exception cref="OnnxRuntimeException">The runtime rejects a value (type or shape).</exception>
    public void TrainStep(IReadOnlyList<OrtValue> inputs, IReadOnlyList<OrtValue> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCount(inputs.Count, _trainInputs.Length, "inputs", "training");
        CheckCount(outputs.Count, _trainOutputs.Length, "outputs", "training");
        var binding = TrainBinding();
        binding.BindCallerValues(_trainInputs, inputs, _trainOutputs, outputs, always: _device.IsCuda);
        RunTraining(binding);
    }

    /// <summary>Runs the training graph on one batch and returns the outputs in values ONNX Runtime allocates.</summary>
    /// <param name="inputs">The values of <see cref="InputNames"/>(true), in order.</param>
    /// <returns>The values of <see cref="OutputNames"/>(true); the caller must dispose them.</returns>
    /// <exception cref="ArgumentException">The number of inputs is wrong.</exception>
    public TrainingOutputs TrainStep(IReadOnlyList<OrtValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCount(inputs.Count, _trainInputs.Length, "inputs", "training");
        var binding = TrainBinding();
        binding.BindForAllocatedOutputs(_trainInputs, inputs, _trainOutputs, OrtMemoryInfo.DefaultInstance);
        RunTraining(binding);
        return Collect(binding, _trainOutputs);
    }

    /// <summary>Runs the evaluation graph on one batch, writing the outputs into the caller's values.</summary>
    /// <param name="inputs">The values of <see cref="InputNames"/>(false), in order.</param>
    /// <param name="outputs">Values to receive <see cref="OutputNames"/>(false), in order.</param>
    /// <exception cref="ArgumentException">The number of inputs or outputs is wrong.</exception>
    public void EvalStep(IReadOnlyList<OrtValue> inputs, IReadOnlyList<OrtValue> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCount(inputs.Count, _evalInputs.Length, "inputs", "evaluation");
        CheckCount(outputs.Count, _evalOutputs.Length, "outputs", "evaluation");
        var binding = EvalBinding();
        binding.BindCallerValues(_evalInputs, inputs, _evalOutputs, outputs, always: _device.IsCuda);
        Run(_eval, binding);
    }

    /// <summary>Runs the evaluation graph on one batch and returns the outputs in values ONNX Runtime allocates.</summary>
    /// <param name="inputs">The values of <see cref="InputNames"/>(false), in order.</param>
    /// <returns>The values of <see cref="OutputNames"/>(false); the caller must dispose them.</returns>
    /// <exception cref="ArgumentException">The number of inputs is wrong.</exception>
    public TrainingOutputs EvalStep(IReadOnlyList<OrtValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCount(inputs.Count, _evalInputs.Length, "inputs", "evaluation");
        var binding = EvalBinding();
        binding.BindForAllocatedOutputs(_evalInputs, inputs, _evalOutputs, OrtMemoryInfo.DefaultInstance);
        Run(_eval, binding);
        return Collect(binding, _evalOutputs);
    }

    /// <summary>Asks the next <c>TrainStep</c> to replace the accumulated gradients instead of adding to them.</summary>
    public void LazyResetGrad()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _resetPending = true;
    }

    /// <summary>Applies the accumulated gradients to the trainable parameters with the optimizer.</summary>
    public void OptimizerStep()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var step = Step + 1;
        var rate = GetLearningRate();
        var current = _trainable[_parameterSide];
        if (_cpuOptimizer is not null)
        {
            _cpuOptimizer.Step(
                current.Parameters.HostSpan,
                _gradients[_gradientSide].HostSpan,
                current.State.Count > 0 ? current.State[0].HostSpan : [],
                current.State.Count > 1 ? current.State[1].HostSpan : [],
                rate,
                step);
        }
        else
        {
            _graphOptimizer!.Step(current, _gradients[_gradientSide], _trainable[1 - _parameterSide], rate, step);
            _parameterSide = 1 - _parameterSide;
        }

        Step = step;
    }

    /// <summary>Gets the learning rate the next <see cref="OptimizerStep"/> uses.</summary>
    /// <returns>The rate: the scheduler's when one is registered.</returns>
    public float GetLearningRate() => _scheduler?.LearningRate ?? _learningRate;

    /// <summary>Sets a constant learning rate.</summary>
    /// <param name="learningRate">The rate.</param>
    /// <exception cref="InvalidOperationException">A scheduler is registered; it owns the learning rate.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate is negative or not finite.</exception>
    public void SetLearningRate(float learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_scheduler is not null)
        {
            throw new InvalidOperationException(
                $"A {_scheduler.Kind} learning-rate scheduler is registered and sets the learning rate; a constant " +
                "rate and a scheduler are mutually exclusive.");
        }

        if (!float.IsFinite(learningRate) || learningRate < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(learningRate), learningRate, "The learning rate must be finite and not negative.");
        }

        _learningRate = learningRate;
        _learningRateIsConstant = true;
    }

    /// <summary>
    /// Registers ONNX Runtime's linear schedule: warm-up from zero to <paramref name="initialLearningRate"/> over
    /// <paramref name="warmupStepCount"/> steps, then linear decay to zero at <paramref name="totalStepCount"/>.
    /// </summary>
    /// <param name="warmupStepCount">The number of warm-up steps.</param>
    /// <param name="totalStepCount">The step at which the rate reaches zero.</param>
    /// <param name="initialLearningRate">The rate at the end of the warm-up.</param>
    /// <exception cref="InvalidOperationException">A constant learning rate was set.</exception>
    public void RegisterLinearLRScheduler(long warmupStepCount, long totalStepCount, float initialLearningRate) =>
        RegisterScheduler(new LinearScheduler(warmupStepCount, totalStepCount, initialLearningRate));

    /// <summary>Registers a learning-rate scheduler, replacing any registered before.</summary>
    /// <param name="scheduler">The scheduler.</param>
    /// <exception cref="InvalidOperationException">A constant learning rate was set.</exception>
    public void RegisterScheduler(LearningRateScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_learningRateIsConstant)
        {
            throw new InvalidOperationException(
                $"A constant learning rate ({_learningRate}) was set with SetLearningRate; a constant rate and a " +
                "scheduler are mutually exclusive.");
        }

        _scheduler = scheduler;
    }

    /// <summary>Advances the registered scheduler by one step.</summary>
    /// <exception cref="InvalidOperationException">No scheduler is registered.</exception>
    public void SchedulerStep()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_scheduler is null)
        {
            throw new InvalidOperationException(
                "No learning-rate scheduler is registered; call RegisterLinearLRScheduler or RegisterScheduler first.");
        }

        _scheduler.Step();
    }

    /// <summary>Gets the number of parameter values.</summary>
    /// <param name="onlyTrainable">Whether to count the trainable parameters only.</param>
    /// <returns>The count.</returns>
    public long ParameterCount(bool onlyTrainable = true) =>
        _plan.Layout.TotalElementCount + (onlyTrainable ? 0 : _frozenLayout.TotalElementCount);

    /// <summary>Copies the parameters into a flat buffer: trainable ones, then frozen ones when asked.</summary>
    /// <param name="destination">The buffer, <see cref="ParameterCount"/> long.</param>
    /// <param name="onlyTrainable">Whether to copy the trainable parameters only.</param>
    /// <exception cref="ArgumentException">The buffer's length is wrong.</exception>
    public void CopyParametersTo(Span<float> destination, bool onlyTrainable = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckFlat(destination.Length, onlyTrainable);
        var trainable = (int)_plan.Layout.TotalElementCount;
        _trainable[_parameterSide].Parameters.CopyTo(destination[..trainable]);
        if (!onlyTrainable)
        {
            _frozen.CopyTo(destination[trainable..]);
        }
    }

    /// <summary>Copies the parameters from a flat buffer of the trainable ones, or of all of them.</summary>
    /// <param name="source">The buffer; its length says which parameters it holds.</param>
    /// <exception cref="ArgumentException">The length matches neither count.</exception>
    public void CopyParametersFrom(ReadOnlySpan<float> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var trainable = (int)_plan.Layout.TotalElementCount;
        if (source.Length != trainable && source.Length != ParameterCount(onlyTrainable: false))
        {
            throw new ArgumentException(
                $"The buffer has {source.Length} values; the session has {trainable} trainable values and " +
                $"{ParameterCount(onlyTrainable: false)} in all.",
                nameof(source));
        }

        _trainable[_parameterSide].Parameters.CopyFrom(source[..trainable]);
        if (source.Length > trainable)
        {
            _frozen.CopyFrom(source[trainable..]);
        }
    }

    /// <summary>Returns the parameters as one flat float tensor, as ONNX Runtime's <c>ToBuffer</c> does.</summary>
    /// <param name="onlyTrainable">Whether to include the trainable parameters only.</param>
    /// <returns>A new host tensor; the caller must dispose it.</returns>
    public OrtValue ToBuffer(bool onlyTrainable)
    {
        var buffer = new float[ParameterCount(onlyTrainable)];
        CopyParametersTo(buffer, onlyTrainable);
        return OrtValue.CreateTensorValueFromMemory(buffer, [buffer.LongLength]);
    }

    /// <summary>Loads the parameters from one flat float tensor, as ONNX Runtime's <c>FromBuffer</c> does.</summary>
    /// <param name="buffer">A float tensor of the trainable values, or of all values.</param>
    /// <exception cref="ArgumentException">The tensor is not float or its size matches neither count.</exception>
    public void FromBuffer(OrtValue buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        CheckFloat(buffer, "The buffer");
        CopyParametersFrom(buffer.GetTensorDataAsSpan<float>());
    }

    /// <summary>Returns a copy of one parameter.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <returns>A new host tensor with the parameter's shape; the caller must dispose it.</returns>
    /// <exception cref="KeyNotFoundException">No parameter has this name.</exception>
    public OrtValue GetParameter(string name)
    {
        var (set, index) = Locate(name);
        var descriptor = set.Layout.Parameters[index];
        var data = new float[descriptor.ElementCount];
        set.CopyTo(index, data);
        return OrtValue.CreateTensorValueFromMemory(data, descriptor.Shape);
    }

    /// <summary>Replaces one parameter's values.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="value">A float tensor of the parameter's shape.</param>
    /// <exception cref="KeyNotFoundException">No parameter has this name.</exception>
    /// <exception cref="ArgumentException">The tensor's type or shape is wrong.</exception>
    public void UpdateParameter(string name, OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (set, index) = Locate(name);
        var descriptor = set.Layout.Parameters[index];
        CheckFloat(value, $"The value for '{name}'");
        var shape = value.GetTensorTypeAndShape().Shape;
        if (!shape.SequenceEqual(descriptor.Shape))
        {
            throw new ArgumentException(
                $"Parameter '{name}' has shape {descriptor.FormatShape()}, but the value has shape " +
                $"{ParameterDescriptor.FormatShape(shape)}.",
                nameof(value));
        }

        set.CopyFrom(index, value.GetTensorDataAsSpan<float>());
    }

    /// <summary>Returns a copy of one parameter's accumulated gradient.</summary>
    /// <param name="name">The trainable parameter's name.</param>
    /// <returns>A new host tensor; the caller must dispose it.</returns>
    /// <exception cref="KeyNotFoundException">No trainable parameter has this name.</exception>
    public OrtValue GetGradient(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var index = _plan.Layout.IndexOf(name);
        var descriptor = _plan.Layout.Parameters[index];
        var data = new float[descriptor.ElementCount];
        _gradients[_gradientSide].CopyTo(index, data);
        return OrtValue.CreateTensorValueFromMemory(data, descriptor.Shape);
    }

    /// <summary>Copies the accumulated gradients into a flat buffer laid out like the trainable parameters.</summary>
    /// <param name="destination">The buffer.</param>
    /// <exception cref="ArgumentException">The buffer's length is wrong.</exception>
    public void CopyGradientsTo(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _gradients[_gradientSide].CopyTo(destination);
    }

    /// <summary>Saves parameters, optimizer state, step, learning rate, scheduler and properties to a checkpoint.</summary>
    /// <param name="path">The file; written to a temporary file first and renamed.</param>
    /// <param name="includeOptimizerState">
    /// Whether to save the optimizer state. The default is <see langword="true"/>, so that a resumed run continues
    /// the same trajectory (ONNX Runtime's default was <see langword="false"/>).
    /// </param>
    public void SaveCheckpoint(string path, bool includeOptimizerState = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var checkpoint = new TrainingCheckpoint
        {
            Step = Step,
            LearningRate = _learningRate,
            LearningRateIsConstant = _learningRateIsConstant,
            Scheduler = _scheduler?.GetState(),
            RandomState = RandomState,
            MethodState = MethodState,
            Optimizer = _artifacts.Optimizer,
        };

        checkpoint.Properties.CopyFrom(Properties);
        var current = _trainable[_parameterSide];
        AddTensors(checkpoint, current.Parameters, CheckpointTensorRole.Trainable, null);
        AddTensors(checkpoint, _frozen, CheckpointTensorRole.Frozen, null);
        if (includeOptimizerState)
        {
            for (var s = 0; s < _plan.StateSlots.Count; s++)
            {
                AddTensors(checkpoint, current.State[s], CheckpointTensorRole.OptimizerState, _plan.StateSlots[s]);
            }
        }

        checkpoint.Save(path);
        TrainingSessionLog.CheckpointSaved(_logger, path, Step);
    }

    /// <summary>
    /// Restores the state saved by <see cref="SaveCheckpoint"/>, after checking that it fits the session.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="CheckpointFormatException">The file is truncated, corrupt or not a checkpoint.</exception>
    /// <exception cref="CheckpointMismatchException">The checkpoint's tensors differ from the session's.</exception>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        LoadState(TrainingCheckpoint.Load(path), path);
        TrainingSessionLog.CheckpointLoaded(_logger, path, Step);
    }

    /// <summary>
    /// Writes an inference model: the evaluation graph pruned to the given outputs, with the current parameters as
    /// initializers.
    /// </summary>
    /// <param name="inferenceModelPath">The file; written to a temporary file first and renamed.</param>
    /// <param name="graphOutputNames">The outputs to keep, outputs of the evaluation graph.</param>
    /// <exception cref="ArgumentException">A name is not an output of the evaluation graph, or none is given.</exception>
    public void ExportModelForInferencing(string inferenceModelPath, IReadOnlyCollection<string> graphOutputNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(inferenceModelPath);
        ArgumentNullException.ThrowIfNull(graphOutputNames);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (graphOutputNames.Count == 0)
        {
            throw new ArgumentException("Name at least one output to export.", nameof(graphOutputNames));
        }

        foreach (var name in graphOutputNames)
        {
            if (!_evalOutputsAll.Contains(name))
            {
                throw new ArgumentException(
                    $"'{name}' is not an output of the evaluation graph; the outputs are " +
                    $"{string.Join(", ", _evalOutputsAll)}.",
                    nameof(graphOutputNames));
            }
        }

        var model = OnnxModelIO.Load(_artifacts.EvalModelPath);
        var values = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        AddInitializers(values, _trainable[_parameterSide].Parameters);
        AddInitializers(values, _frozen);
        GraphSurgery.InputsToInitializers(model.Graph, values);
        GraphSurgery.PruneToOutputs(model.Graph, graphOutputNames);
        OnnxModelIO.Save(model, inferenceModelPath);
        TrainingSessionLog.Exported(_logger, inferenceModelPath, graphOutputNames);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var binding in _trainBindings)
        {
            binding?.Dispose();
        }

        foreach (var binding in _evalBindings)
        {
            binding?.Dispose();
        }

        _graphOptimizer?.Dispose();
        _resetValue.Dispose();
        _runOptions.Dispose();
        foreach (var side in _trainable)
        {
            side.Dispose();
        }

        _frozen.Dispose();
        _gradients[0].Dispose();
        _gradients[1].Dispose();
        _statisticsOut?.Dispose();
        _training.Dispose();
        _eval.Dispose();
        _device.Dispose();
    }

    private void RunTraining(SessionBinding binding)
    {
        _reset[0] = _resetPending;
        if (_device.IsCuda)
        {
            binding.Binding.BindInput(ArtifactNames.LazyResetGrad, _resetValue);
        }

        Run(_training, binding);
        _gradientSide = 1 - _gradientSide;
        _resetPending = false;
        if (_statisticsOut is null)
        {
            return;
        }

        for (var i = 0; i < _statisticTargets.Length; i++)
        {
            var target = _statisticTargets[i];
            if (_statisticsOut.IsHostMemory)
            {
                var source = _statisticsOut.Layout.Slice(_statisticsOut.HostSpan, i);
                source.CopyTo(_frozenLayout.Slice(_frozen.HostSpan, target));
            }
            else
            {
                _device.Copier.Copy(_statisticsOut[i], _frozen[target]);
            }
        }
    }

    private void Run(InferenceSession session, SessionBinding binding)
    {
        session.RunWithBinding(_runOptions, binding.Binding);
        if (_device.IsCuda)
        {
            binding.Binding.SynchronizeBoundOutputs();
        }
    }

    private SessionBinding TrainBinding()
    {
        if (_trainBindings[_parameterSide, _gradientSide] is { } existing)
        {
            return existing;
        }

        var binding = new SessionBinding(_training, _trainInputs.Length, _trainOutputs.Length);
        var io = binding.Binding;
        var parameters = _trainable[_parameterSide].Parameters;
        var layout = _plan.Layout;
        for (var i = 0; i < layout.Count; i++)
        {
            var name = layout.Parameters[i].Name;
            io.BindInput(name, parameters[i]);
            io.BindInput(ArtifactNames.AccumulationBuffer(name), _gradients[_gradientSide][i]);
            io.BindOutput(ArtifactNames.AccumulationOutput(name), _gradients[1 - _gradientSide][i]);
        }

        BindFrozen(io);
        io.BindInput(ArtifactNames.LazyResetGrad, _resetValue);
        for (var i = 0; i < _statisticTargets.Length; i++)
        {
            var statistic = _frozenLayout.Parameters[_statisticTargets[i]].Name;
            io.BindOutput(_artifacts.RunningStatistics[statistic], _statisticsOut![i]);
        }

        _trainBindings[_parameterSide, _gradientSide] = binding;
        return binding;
    }

    private SessionBinding EvalBinding()
    {
        if (_evalBindings[_parameterSide] is { } existing)
        {
            return existing;
        }

        var binding = new SessionBinding(_eval, _evalInputs.Length, _evalOutputs.Length);
        var parameters = _trainable[_parameterSide].Parameters;
        var evalInputs = _eval.InputNames.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < _plan.Layout.Count; i++)
        {
            var name = _plan.Layout.Parameters[i].Name;
            if (evalInputs.Contains(name))
            {
                binding.Binding.BindInput(name, parameters[i]);
            }
        }

        for (var i = 0; i < _frozenLayout.Count; i++)
        {
            var name = _frozenLayout.Parameters[i].Name;
            if (evalInputs.Contains(name))
            {
                binding.Binding.BindInput(name, _frozen[i]);
            }
        }

        _evalBindings[_parameterSide] = binding;
        return binding;
    }

    private void BindFrozen(OrtIoBinding io)
    {
        var inputs = _training.InputNames;
        for (var i = 0; i < _frozenLayout.Count; i++)
        {
            var name = _frozenLayout.Parameters[i].Name;
            if (inputs.Contains(name))
            {
                io.BindInput(name, _frozen[i]);
            }
        }
    }

    private static TrainingOutputs Collect(SessionBinding binding, string[] wanted)
    {
        var names = binding.Binding.GetOutputNames();

        // The collection is not disposed: that would dispose the values handed to the caller. The other bound
        // outputs are views of the session's own buffers; only their wrappers are released.
        var values = binding.Binding.GetOutputValues();
        var result = new OrtValue[wanted.Length];
        var taken = new bool[names.Length];
        for (var w = 0; w < wanted.Length; w++)
        {
            var index = Array.IndexOf(names, wanted[w]);
            result[w] = values[index];
            taken[index] = true;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (!taken[i])
            {
                values[i].Dispose();
            }
        }

        return new TrainingOutputs(wanted, result);
    }

    private void LoadState(TrainingCheckpoint checkpoint, string path)
    {
        var stateDescriptors = new List<ParameterDescriptor>();
        foreach (var parameter in _plan.Layout.Parameters)
        {
            foreach (var slot in _plan.StateSlots)
            {
                stateDescriptors.Add(new ParameterDescriptor(OptimizerNames.State(parameter.Name, slot), parameter.Shape));
            }
        }

        var all = _plan.Layout.Parameters.Concat(_frozenLayout.Parameters).ToArray();
        var differences = checkpoint.Compare(all, stateDescriptors, requireOptimizerState: false);
        if (differences.Count > 0)
        {
            throw new CheckpointMismatchException(path, differences);
        }

        var current = _trainable[_parameterSide];
        Fill(checkpoint, current.Parameters, CheckpointTensorRole.Trainable, null);
        Fill(checkpoint, _frozen, CheckpointTensorRole.Frozen, null);
        var hasState = checkpoint.TensorsWithRole(CheckpointTensorRole.OptimizerState).Any();
        for (var s = 0; s < _plan.StateSlots.Count; s++)
        {
            if (hasState)
            {
                Fill(checkpoint, current.State[s], CheckpointTensorRole.OptimizerState, _plan.StateSlots[s]);
            }
            else
            {
                current.State[s].Clear();
            }
        }

        Step = checkpoint.Step;
        _learningRate = checkpoint.LearningRate;
        _learningRateIsConstant = checkpoint.LearningRateIsConstant;
        _scheduler = checkpoint.Scheduler is { } scheduler ? LearningRateScheduler.FromState(scheduler) : null;
        RandomState = checkpoint.RandomState;
        MethodState = checkpoint.MethodState;
        Properties.CopyFrom(checkpoint.Properties);
        _resetPending = true;
    }

    private static void Fill(TrainingCheckpoint checkpoint, DeviceTensorSet set, CheckpointTensorRole role, string? slot)
    {
        for (var i = 0; i < set.Layout.Count; i++)
        {
            var name = set.Layout.Parameters[i].Name;
            var tensor = checkpoint.Find(role, slot is null ? name : OptimizerNames.State(name, slot))!;
            set.CopyFrom(i, tensor.Data);
        }
    }

    private static void AddTensors(
        TrainingCheckpoint checkpoint,
        DeviceTensorSet set,
        CheckpointTensorRole role,
        string? slot)
    {
        for (var i = 0; i < set.Layout.Count; i++)
        {
            var parameter = set.Layout.Parameters[i];
            var data = new float[parameter.ElementCount];
            set.CopyTo(i, data);
            var name = slot is null ? parameter.Name : OptimizerNames.State(parameter.Name, slot);
            checkpoint.Tensors.Add(new CheckpointTensor(name, role, parameter.Shape, data));
        }
    }

    private static void AddInitializers(Dictionary<string, TensorProto> values, DeviceTensorSet set)
    {
        for (var i = 0; i < set.Layout.Count; i++)
        {
            var parameter = set.Layout.Parameters[i];
            var data = new float[parameter.ElementCount];
            set.CopyTo(i, data);
            values[parameter.Name] = TensorProtos.FromFloats(parameter.Name, parameter.Shape, data);
        }
    }

    private (DeviceTensorSet Set, int Index) Locate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_plan.Layout.TryGetIndex(name, out var index))
        {
            return (_trainable[_parameterSide].Parameters, index);
        }

        if (_frozenLayout.TryGetIndex(name, out index))
        {
            return (_frozen, index);
        }

        throw new KeyNotFoundException($"The session has no parameter named '{name}'.");
    }

    private void CheckFlat(int length, bool onlyTrainable)
    {
        var expected = ParameterCount(onlyTrainable);
        if (length != expected)
        {
            throw new ArgumentException(
                $"The buffer has {length} values, but the session has {expected} " +
                $"{(onlyTrainable ? "trainable " : string.Empty)}parameter values.");
        }
    }

    private static void CheckFloat(OrtValue value, string what)
    {
        var type = value.GetTensorTypeAndShape().ElementDataType;
        if (type != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
        {
            throw new ArgumentException($"{what} has element type {type}, expected float.");
        }
    }

    private static void CheckCount(int actual, int expected, string what, string graph)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"The {graph} graph takes {expected} {what}, but {actual} were given.");
        }
    }

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"The artifact file '{path}' does not exist.", path);
}
