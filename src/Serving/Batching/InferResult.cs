using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Batching;

/// <summary>The outputs of one request and where its time went, in nanoseconds.</summary>
/// <param name="Outputs">The computed outputs, each sliced to this request's rows.</param>
/// <param name="QueueNanoseconds">Time from queueing to the start of the run.</param>
/// <param name="InputNanoseconds">Time to assemble the batch and bind its inputs.</param>
/// <param name="InferNanoseconds">Time ONNX Runtime ran.</param>
/// <param name="OutputNanoseconds">Time to split the outputs.</param>
/// <param name="ExecutionBatchSize">The size of the batch the request ran in.</param>
internal sealed record InferResult(
    InferTensor[] Outputs,
    long QueueNanoseconds,
    long InputNanoseconds,
    long InferNanoseconds,
    long OutputNanoseconds,
    long ExecutionBatchSize)
{
    /// <summary>Returns an output by name.</summary>
    /// <param name="name">The output name.</param>
    /// <returns>The output, or <see langword="null"/> when it was not computed.</returns>
    public InferTensor? Find(string name)
    {
        foreach (var output in Outputs)
        {
            if (string.Equals(output.Name, name, StringComparison.Ordinal))
            {
                return output;
            }
        }

        return null;
    }
}
