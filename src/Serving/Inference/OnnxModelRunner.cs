using System.Buffers;
using System.Text;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MtlOnnx.Serving.Inference;

/// <summary>
/// One ONNX Runtime session and the knowledge of its inputs and outputs. Runs tensors through the model, binding
/// the callers' buffers without copying and writing numeric outputs straight into buffers allocated here when their
/// shapes are known before the run.
/// </summary>
/// <remarks>
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue},
/// IReadOnlyCollection{string})"/> is thread-safe, so one runner serves every concurrent request of a model
/// version; the caller bounds how many runs are in flight (see <see cref="InferenceGate"/>).
/// </remarks>
internal sealed class OnnxModelRunner : IDisposable
{
    /// <summary>How many idle lanes and run options a runner keeps: enough for the runs the gate lets in at once.</summary>
    private const int Retained = 8;

    /// <summary>Single-row tensors larger than this run the ordinary way: copying them would cost more than binding.</summary>
    private const int MaxLaneBytes = 1 << 20;

    private readonly InferenceSession _session;
    private readonly Dictionary<string, TensorSpec> _outputsByName;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly ObjectPool<RunOptions> _runOptions;
    private ObjectPool<RunLane>? _lanes;
    private TensorSpec[]? _laneInputs;
    private bool _preallocate = true;
    private bool _batched;

    private OnnxModelRunner(InferenceSession session)
    {
        _session = session;
        Inputs = Describe(session.InputMetadata);
        Outputs = Describe(session.OutputMetadata);
        _outputsByName = Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        _inputNames = [.. Inputs.Select(i => i.Name)];
        _outputNames = [.. Outputs.Select(o => o.Name)];
        _outputIndex = _outputNames.Select((name, index) => (name, index))
            .ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);
        var provider = new DefaultObjectPoolProvider { MaximumRetained = Retained };
        _runOptions = provider.Create(new RunOptionsPolicy());
    }

    /// <summary>Gets the model's inputs, in graph order.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>Gets the model's outputs, in graph order.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>
    /// Gets or sets whether the first dimension of every input and output is the batch dimension, so that a
    /// batch's outputs can be split by rows. Set by the loader before the first run.
    /// </summary>
    public bool Batched
    {
        get => _batched;
        set
        {
            _batched = value;
            PlanLanes();
        }
    }

    /// <summary>Gets whether single-row runs asking for every output reuse pooled lanes (see <see cref="RunLane"/>).</summary>
    public bool UsesLanes => _preallocate && _lanes is not null;

    /// <summary>Gets whether outputs are written into buffers allocated before the run.</summary>
    public bool PreallocatesOutputs => _preallocate;

    /// <summary>Opens a model file.</summary>
    /// <param name="path">The <c>model.onnx</c> file.</param>
    /// <param name="budget">The thread budget for the session.</param>
    /// <returns>The runner; dispose it to release the session.</returns>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the model.</exception>
    public static OnnxModelRunner Open(string path, InferenceGate budget)
    {
        using var options = budget.CreateSessionOptions();
        var session = new InferenceSession(path, options);
        return new OnnxModelRunner(session);
    }

    /// <summary>Opens a model from its bytes.</summary>
    /// <param name="model">The serialized model.</param>
    /// <param name="budget">The thread budget for the session.</param>
    /// <returns>The runner; dispose it to release the session.</returns>
    public static OnnxModelRunner Open(byte[] model, InferenceGate budget)
    {
        using var options = budget.CreateSessionOptions();
        var session = new InferenceSession(model, options);
        return new OnnxModelRunner(session);
    }

    /// <summary>Returns whether every input and output of a session can take a batch dimension first.</summary>
    /// <param name="inputs">The inputs.</param>
    /// <param name="outputs">The outputs.</param>
    /// <returns><see langword="true"/> when dimension 0 is variable everywhere.</returns>
    public static bool HasBatchDimension(IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs) =>
        inputs.Concat(outputs).All(s => s.Dims.Length > 0 && s.Dims[0] < 0);

    /// <summary>Runs the model.</summary>
    /// <param name="inputs">One tensor per model input, named as the model names them.</param>
    /// <param name="outputNames">The outputs to compute.</param>
    /// <param name="runOptions">Options for this run; setting <see cref="RunOptions.Terminate"/> aborts it.</param>
    /// <returns>The outputs, in the order of <paramref name="outputNames"/>; their buffers belong to the caller.</returns>
    /// <exception cref="OnnxRuntimeException">The run failed or was terminated.</exception>
    public InferTensor[] Run(IReadOnlyList<InferTensor> inputs, IReadOnlyList<string> outputNames, RunOptions runOptions)
    {
        if (_preallocate && _lanes is { } lanes && FitsLane(inputs, outputNames))
        {
            return RunInLane(lanes, inputs, outputNames, runOptions);
        }

        var names = new string[inputs.Count];
        var values = new OrtValue[inputs.Count];
        var pins = new MemoryHandle[inputs.Count];
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                names[i] = inputs[i].Name;
                values[i] = Bind(inputs[i], ref pins[i]);
            }

            var batch = Batched && inputs.Count > 0 ? inputs[0].Shape[0] : 1;
            if (_preallocate && TryPlanOutputs(outputNames, batch, out var plan))
            {
                return RunInto(names, values, outputNames, plan, runOptions);
            }

            using var results = _session.Run(runOptions, names, values, outputNames);
            var outputs = new InferTensor[outputNames.Count];
            var index = 0;
            foreach (var value in results)
            {
                outputs[index] = CopyOut(outputNames[index], value);
                index++;
            }

            return outputs;
        }
        finally
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }

            foreach (var pin in pins)
            {
                pin.Dispose();
            }
        }
    }

    /// <summary>
    /// Stops writing outputs into pre-allocated buffers, for a model whose outputs do not have the shapes it
    /// declares (ONNX Runtime then rejects the buffers).
    /// </summary>
    public void DisablePreallocation() => _preallocate = false;

    /// <summary>Rents run options for one run; return them with <see cref="ReturnRunOptions"/> when it is over.</summary>
    /// <returns>Run options that are not terminated.</returns>
    public RunOptions RentRunOptions() => _runOptions.Get();

    /// <summary>Returns run options rented with <see cref="RentRunOptions"/>; a terminated one is reset first.</summary>
    /// <param name="runOptions">The run options, no longer used by any run.</param>
    public void ReturnRunOptions(RunOptions runOptions) => _runOptions.Return(runOptions);

    /// <inheritdoc />
    public void Dispose()
    {
        (_lanes as IDisposable)?.Dispose();
        (_runOptions as IDisposable)?.Dispose();
        _session.Dispose();
    }

    /// <summary>
    /// Decides whether single-row runs can use lanes: a batched model whose every input and output is numeric with a
    /// fixed, small shape past the batch dimension.
    /// </summary>
    private void PlanLanes()
    {
        (_lanes as IDisposable)?.Dispose();
        _lanes = null;
        _laneInputs = null;
        if (!_batched)
        {
            return;
        }

        var inputs = RowSpecs(Inputs);
        var outputs = RowSpecs(Outputs);
        if (inputs is null || outputs is null)
        {
            return;
        }

        _laneInputs = inputs;
        var provider = new DefaultObjectPoolProvider { MaximumRetained = Retained };
        _lanes = provider.Create(new LanePolicy(inputs, outputs));
    }

    private static TensorSpec[]? RowSpecs(IReadOnlyList<TensorSpec> specs)
    {
        var rows = new TensorSpec[specs.Count];
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            if (spec.IsString || spec.Dims.Length == 0)
            {
                return null;
            }

            var dims = (long[])spec.Dims.Clone();
            dims[0] = 1;
            long bytes = spec.ElementSize;
            foreach (var dim in dims)
            {
                bytes *= dim;
            }

            if (bytes <= 0 || bytes > MaxLaneBytes || dims.Skip(1).Any(d => d < 0))
            {
                return null;
            }

            rows[i] = spec with { Dims = dims };
        }

        return rows;
    }

    /// <summary>Returns whether a run is one row of every input, asking for every output (in any order).</summary>
    private bool FitsLane(IReadOnlyList<InferTensor> inputs, IReadOnlyList<string> outputNames)
    {
        var specs = _laneInputs!;
        if (inputs.Count != specs.Length || outputNames.Count != _outputNames.Length)
        {
            return false;
        }

        for (var i = 0; i < specs.Length; i++)
        {
            var input = inputs[i];
            if (input.Strings is not null || !string.Equals(input.Name, specs[i].Name, StringComparison.Ordinal) ||
                input.ElementType != specs[i].ElementType || !input.Shape.AsSpan().SequenceEqual(specs[i].Dims))
            {
                return false;
            }
        }

        foreach (var name in outputNames)
        {
            if (!_outputIndex.ContainsKey(name))
            {
                return false;
            }
        }

        return true;
    }

    private InferTensor[] RunInLane(ObjectPool<RunLane> lanes, IReadOnlyList<InferTensor> inputs,
        IReadOnlyList<string> outputNames, RunOptions runOptions)
    {
        var lane = lanes.Get();
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                inputs[i].Data.Span.CopyTo(lane.InputBuffers[i]);
            }

            _session.Run(runOptions, _inputNames, lane.InputValues, _outputNames, lane.OutputValues);

            // The lane's buffers serve the next run at once; the response gets copies.
            var outputs = new InferTensor[outputNames.Count];
            for (var i = 0; i < outputs.Length; i++)
            {
                var index = _outputIndex[outputNames[i]];
                var spec = Outputs[index];
                long[] shape = [1, .. spec.Dims.AsSpan(1)];
                outputs[i] = InferTensor.Numeric(spec.Name, spec.ElementType, shape, lane.OutputBuffers[index].AsSpan().ToArray());
            }

            return outputs;
        }
        finally
        {
            lanes.Return(lane);
        }
    }

    private static List<TensorSpec> Describe(IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var specs = new List<TensorSpec>(metadata.Count);
        foreach (var (name, node) in metadata)
        {
            if (!node.IsTensor)
            {
                throw new ServingException(Grpc.Core.StatusCode.FailedPrecondition,
                    $"Model value '{name}' is a {node.OnnxValueType}, not a tensor; only tensor inputs and outputs " +
                    "can be served.");
            }

            var dims = node.Dimensions.Select(d => d < 0 ? -1L : d).ToArray();
            specs.Add(new TensorSpec(name, node.ElementDataType, dims));
        }

        return specs;
    }

    private static unsafe OrtValue Bind(InferTensor tensor, ref MemoryHandle pin)
    {
        if (tensor.Strings is { } strings)
        {
            var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            for (var i = 0; i < strings.Length; i++)
            {
                value.StringTensorSetElementAt(strings[i].Span, i);
            }

            return value;
        }

        // Pinning is what lets ONNX Runtime read the request's own bytes: no copy into a native buffer.
        pin = tensor.Data.Pin();
        return OrtValue.CreateTensorValueWithData(
            OrtMemoryInfo.DefaultInstance, tensor.ElementType, tensor.Shape, (IntPtr)pin.Pointer, tensor.Data.Length);
    }

    private static InferTensor CopyOut(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        if (info.ElementDataType == TensorElementType.String)
        {
            var count = (int)info.ElementCount;
            var strings = new ReadOnlyMemory<byte>[count];
            for (var i = 0; i < count; i++)
            {
                strings[i] = Encoding.UTF8.GetBytes(value.GetStringElement(i));
            }

            return InferTensor.FromStrings(name, shape, strings);
        }

        var bytes = value.GetTensorMutableRawData().ToArray();
        return InferTensor.Numeric(name, info.ElementDataType, shape, bytes);
    }

    private bool TryPlanOutputs(IReadOnlyList<string> outputNames, long batch, out long[][] shapes)
    {
        shapes = new long[outputNames.Count][];
        for (var i = 0; i < outputNames.Count; i++)
        {
            var spec = _outputsByName[outputNames[i]];
            if (spec.IsString)
            {
                return false;
            }

            var shape = (long[])spec.Dims.Clone();
            for (var d = 0; d < shape.Length; d++)
            {
                if (d == 0 && Batched)
                {
                    shape[d] = batch;
                }
                else if (shape[d] < 0)
                {
                    return false;
                }
            }

            shapes[i] = shape;
        }

        return true;
    }

    private unsafe InferTensor[] RunInto(string[] names, OrtValue[] values, IReadOnlyList<string> outputNames,
        long[][] shapes, RunOptions runOptions)
    {
        var outputs = new InferTensor[outputNames.Count];
        var outputValues = new OrtValue[outputNames.Count];
        var pins = new MemoryHandle[outputNames.Count];
        try
        {
            for (var i = 0; i < outputNames.Count; i++)
            {
                var spec = _outputsByName[outputNames[i]];
                long count = 1;
                foreach (var dim in shapes[i])
                {
                    count *= dim;
                }

                var buffer = GC.AllocateUninitializedArray<byte>(checked((int)(count * spec.ElementSize)));
                pins[i] = buffer.AsMemory().Pin();
                outputValues[i] = OrtValue.CreateTensorValueWithData(
                    OrtMemoryInfo.DefaultInstance, spec.ElementType, shapes[i], (IntPtr)pins[i].Pointer, buffer.Length);
                outputs[i] = InferTensor.Numeric(spec.Name, spec.ElementType, shapes[i], buffer);
            }

            _session.Run(runOptions, names, values, outputNames, outputValues);
            return outputs;
        }
        finally
        {
            foreach (var value in outputValues)
            {
                value?.Dispose();
            }

            foreach (var pin in pins)
            {
                pin.Dispose();
            }
        }
    }

    /// <summary>Creates run options and clears a terminated one's flag before it is reused.</summary>
    private sealed class RunOptionsPolicy : PooledObjectPolicy<RunOptions>
    {
        public override RunOptions Create() => new();

        public override bool Return(RunOptions obj)
        {
            if (obj.Terminate)
            {
                obj.Terminate = false;
            }

            return true;
        }
    }

    /// <summary>Creates lanes of the model's single-row shapes.</summary>
    private sealed class LanePolicy(TensorSpec[] inputs, TensorSpec[] outputs) : PooledObjectPolicy<RunLane>
    {
        public override RunLane Create() => RunLane.Create(inputs, outputs);

        public override bool Return(RunLane obj) => true;
    }
}
