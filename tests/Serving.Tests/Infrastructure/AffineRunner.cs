using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>
/// A real ONNX Runtime session of the affine test model (<c>y = 2x + 1</c>, <c>s</c> = row sums) with the server's
/// run gate, for tests of the scheduling and running code in process, without a server around it.
/// </summary>
internal sealed class AffineRunner : IDisposable
{
    public AffineRunner()
    {
        Gate = new InferenceGate(Options.Create(new ServingOptions()));
        Runner = OnnxModelRunner.Open(TestModels.Affine(2f), Gate);
        Runner.Batched = true;
    }

    /// <summary>Gets the run gate, with the default thread budget.</summary>
    public InferenceGate Gate { get; }

    /// <summary>Gets the runner, batched along dimension 0.</summary>
    public OnnxModelRunner Runner { get; }

    /// <summary>Returns one row of the model's input, every element <paramref name="value"/>.</summary>
    public static InferTensor Row(float value)
    {
        float[] row = [value, value, value, value];
        return InferTensor.Numeric("x", TensorElementType.Float, [1, 4], MemoryMarshal.AsBytes(row.AsSpan()).ToArray());
    }

    /// <summary>Returns a tensor's elements as floats.</summary>
    public static float[] Floats(InferTensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray();

    public void Dispose()
    {
        Runner.Dispose();
        Gate.Dispose();
    }
}
