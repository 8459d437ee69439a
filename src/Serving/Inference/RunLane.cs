using Microsoft.ML.OnnxRuntime;

namespace MtlOnnx.Serving.Inference;

/// <summary>
/// Everything one single-row run needs, made once and reused: pinned input and output buffers of the model's row
/// shapes and the <see cref="OrtValue"/>s over them. A lone request copies its few kilobytes in, runs, and copies its
/// outputs out, instead of creating and releasing a native value (and pinning a buffer) per tensor per call.
/// </summary>
/// <remarks>
/// A lane serves one run at a time; <see cref="OnnxModelRunner"/> pools them. Outputs are copied out because the
/// response that carries them is written after the run, while the lane is already running the next request.
/// </remarks>
internal sealed class RunLane : IDisposable
{
    private RunLane(byte[][] inputBuffers, OrtValue[] inputValues, byte[][] outputBuffers, OrtValue[] outputValues)
    {
        InputBuffers = inputBuffers;
        InputValues = inputValues;
        OutputBuffers = outputBuffers;
        OutputValues = outputValues;
    }

    /// <summary>Gets the input buffers, in the model's input order.</summary>
    public byte[][] InputBuffers { get; }

    /// <summary>Gets the values over <see cref="InputBuffers"/>.</summary>
    public OrtValue[] InputValues { get; }

    /// <summary>Gets the output buffers, in the model's output order.</summary>
    public byte[][] OutputBuffers { get; }

    /// <summary>Gets the values over <see cref="OutputBuffers"/>.</summary>
    public OrtValue[] OutputValues { get; }

    /// <summary>Creates a lane for tensors of fixed shapes.</summary>
    /// <param name="inputs">The model inputs with their single-row shapes.</param>
    /// <param name="outputs">The model outputs with their single-row shapes.</param>
    /// <returns>The lane; dispose it to release its native values.</returns>
    public static RunLane Create(IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs)
    {
        var (inputBuffers, inputValues) = Allocate(inputs);
        var (outputBuffers, outputValues) = Allocate(outputs);
        return new RunLane(inputBuffers, inputValues, outputBuffers, outputValues);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in InputValues)
        {
            value.Dispose();
        }

        foreach (var value in OutputValues)
        {
            value.Dispose();
        }
    }

    private static unsafe (byte[][] Buffers, OrtValue[] Values) Allocate(IReadOnlyList<TensorSpec> specs)
    {
        var buffers = new byte[specs.Count][];
        var values = new OrtValue[specs.Count];
        for (var i = 0; i < specs.Count; i++)
        {
            long count = 1;
            foreach (var dim in specs[i].Dims)
            {
                count *= dim;
            }

            // On the pinned heap: the native values point at these arrays for the lane's whole life.
            buffers[i] = GC.AllocateUninitializedArray<byte>(checked((int)(count * specs[i].ElementSize)), pinned: true);
            fixed (byte* pointer = buffers[i])
            {
                values[i] = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, specs[i].ElementType,
                    specs[i].Dims, (IntPtr)pointer, buffers[i].Length);
            }
        }

        return (buffers, values);
    }
}
