using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Devices;

namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Runs <c>optimizer_model.onnx</c> in an ONNX Runtime session on the training device, through IO binding: it
/// reads parameters, gradients and state from one <see cref="OptimizerBuffers"/> and writes the updated values into
/// the other, so that nothing leaves the device. The caller swaps the two after each step.
/// </summary>
/// <remarks>
/// One binding is prepared per combination of buffers the caller uses (usually two: even and odd steps), the first
/// time it is used; later steps reuse it and allocate nothing on the CPU. On CUDA the two scalar inputs are bound
/// again on every step, because binding copies a host value to the device once, at bind time.
/// The instance must be disposed; it is not thread-safe.
/// </remarks>
public sealed class GraphOptimizer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly TrainingDevice _device;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _learningRate = GC.AllocateArray<float>(1, pinned: true);
    private readonly long[] _step = GC.AllocateArray<long>(1, pinned: true);
    private readonly OrtValue _learningRateValue;
    private readonly OrtValue _stepValue;
    private readonly List<Entry> _bindings = [];

    /// <summary>Initializes a runner for a plan.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="device">The device to run on; buffers passed to <see cref="Step"/> must live there.</param>
    /// <param name="model">The optimizer graph, or <see langword="null"/> to build it from the plan.</param>
    /// <param name="intraOpThreads">The number of intra-op threads; zero lets ONNX Runtime choose.</param>
    public GraphOptimizer(OptimizerPlan plan, TrainingDevice device, ModelProto? model = null, int intraOpThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(device);
        Plan = plan;
        _device = device;
        model ??= OptimizerGraph.Build(plan);
        using var options = device.CreateSessionOptions(intraOpThreads);
        _session = new InferenceSession(OnnxModelIO.ToBytes(model), options);
        var host = OrtMemoryInfo.DefaultInstance;
        _learningRateValue = OrtValue.CreateTensorValueFromMemory(host, _learningRate.AsMemory(), [1]);
        _stepValue = OrtValue.CreateTensorValueFromMemory(host, _step.AsMemory(), [1]);
    }

    /// <summary>Gets the plan.</summary>
    public OptimizerPlan Plan { get; }

    /// <summary>
    /// Applies one update: reads <paramref name="input"/> and <paramref name="gradients"/>, writes
    /// <paramref name="output"/>.
    /// </summary>
    /// <param name="input">The current parameters and state.</param>
    /// <param name="gradients">The gradients, laid out like the parameters.</param>
    /// <param name="output">Receives the updated parameters and state; must not be <paramref name="input"/>.</param>
    /// <param name="learningRate">The learning rate; each group multiplies it by its factor.</param>
    /// <param name="step">The 1-based number of this update.</param>
    /// <exception cref="ArgumentException"><paramref name="output"/> is <paramref name="input"/>.</exception>
    public void Step(
        OptimizerBuffers input,
        DeviceTensorSet gradients,
        OptimizerBuffers output,
        float learningRate,
        long step)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (ReferenceEquals(input, output))
        {
            throw new ArgumentException(
                "ONNX Runtime cannot update tensors in place; pass two different buffer sets.", nameof(output));
        }

        _learningRate[0] = learningRate;
        _step[0] = step;
        var binding = GetBinding(input, gradients, output);
        if (_device.IsCuda)
        {
            binding.BindInput(OptimizerNames.LearningRate, _learningRateValue);
            binding.BindInput(OptimizerNames.Step, _stepValue);
        }

        _session.RunWithBinding(_runOptions, binding);
        if (_device.IsCuda)
        {
            binding.SynchronizeBoundOutputs();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var entry in _bindings)
        {
            entry.Binding.Dispose();
        }

        _learningRateValue.Dispose();
        _stepValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private OrtIoBinding GetBinding(OptimizerBuffers input, DeviceTensorSet gradients, OptimizerBuffers output)
    {
        foreach (var entry in _bindings)
        {
            if (ReferenceEquals(entry.Input, input) && ReferenceEquals(entry.Gradients, gradients))
            {
                if (!ReferenceEquals(entry.Output, output))
                {
                    break;
                }

                return entry.Binding;
            }
        }

        var binding = _session.CreateIoBinding();
        binding.BindInput(OptimizerNames.LearningRate, _learningRateValue);
        binding.BindInput(OptimizerNames.Step, _stepValue);
        var layout = Plan.Layout;
        for (var i = 0; i < layout.Count; i++)
        {
            var name = layout.Parameters[i].Name;
            binding.BindInput(name, input.Parameters[i]);
            binding.BindInput(OptimizerNames.Gradient(name), gradients[i]);
            binding.BindOutput(OptimizerNames.Updated(name), output.Parameters[i]);
            for (var s = 0; s < Plan.StateSlots.Count; s++)
            {
                var state = OptimizerNames.State(name, Plan.StateSlots[s]);
                binding.BindInput(state, input.State[s][i]);
                binding.BindOutput(OptimizerNames.Updated(state), output.State[s][i]);
            }
        }

        // A loop, not FindIndex: a lambda capturing the parameters would allocate its closure on every call.
        for (var i = 0; i < _bindings.Count; i++)
        {
            if (ReferenceEquals(_bindings[i].Input, input) && ReferenceEquals(_bindings[i].Gradients, gradients))
            {
                _bindings[i].Binding.Dispose();
                _bindings.RemoveAt(i);
                break;
            }
        }

        _bindings.Add(new Entry(input, gradients, output, binding));
        return binding;
    }

    private sealed record Entry(
        OptimizerBuffers Input,
        DeviceTensorSet Gradients,
        OptimizerBuffers Output,
        OrtIoBinding Binding);
}
