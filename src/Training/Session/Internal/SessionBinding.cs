using Microsoft.ML.OnnxRuntime;

namespace MtlOnnx.Training.Session.Internal;

/// <summary>
/// An IO binding whose session-owned tensors (parameters, gradients, state) are bound once, and whose caller-owned
/// inputs and outputs are bound again only when the caller passes different values, so that a steady training
/// loop binds nothing and allocates nothing.
/// </summary>
internal sealed class SessionBinding : IDisposable
{
    private readonly OrtValue?[] _inputs;
    private readonly OrtValue?[] _outputs;

    public SessionBinding(InferenceSession session, int inputCount, int outputCount)
    {
        Binding = session.CreateIoBinding();
        _inputs = new OrtValue?[inputCount];
        _outputs = new OrtValue?[outputCount];
    }

    public OrtIoBinding Binding { get; }

    /// <summary>Binds the caller's values where they differ from the last ones bound.</summary>
    /// <param name="inputNames">The input names.</param>
    /// <param name="inputs">The input values, in name order.</param>
    /// <param name="outputNames">The output names.</param>
    /// <param name="outputs">The output values, in name order.</param>
    /// <param name="always">Whether to bind even unchanged values (binding copies host inputs to a device once).</param>
    public void BindCallerValues(
        IReadOnlyList<string> inputNames,
        IReadOnlyList<OrtValue> inputs,
        IReadOnlyList<string> outputNames,
        IReadOnlyList<OrtValue> outputs,
        bool always)
    {
        for (var i = 0; i < _inputs.Length; i++)
        {
            var value = inputs[i];
            if (always || !ReferenceEquals(_inputs[i], value))
            {
                Binding.BindInput(inputNames[i], value);
                _inputs[i] = value;
            }
        }

        for (var i = 0; i < _outputs.Length; i++)
        {
            var value = outputs[i];
            if (!ReferenceEquals(_outputs[i], value))
            {
                Binding.BindOutput(outputNames[i], value);
                _outputs[i] = value;
            }
        }
    }

    /// <summary>Binds the caller's inputs and lets ONNX Runtime allocate the outputs in the given memory.</summary>
    public void BindForAllocatedOutputs(
        IReadOnlyList<string> inputNames,
        IReadOnlyList<OrtValue> inputs,
        IReadOnlyList<string> outputNames,
        OrtMemoryInfo memory)
    {
        for (var i = 0; i < _inputs.Length; i++)
        {
            Binding.BindInput(inputNames[i], inputs[i]);
            _inputs[i] = inputs[i];
        }

        for (var i = 0; i < _outputs.Length; i++)
        {
            Binding.BindOutputToDevice(outputNames[i], memory);

            // Forget the caller's value so that the next zero-copy call binds it again.
            _outputs[i] = null;
        }
    }

    public void Dispose() => Binding.Dispose();
}
