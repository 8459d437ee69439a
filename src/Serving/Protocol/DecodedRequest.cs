using MtlOnnx.Serving.Inference;

namespace MtlOnnx.Serving.Protocol;

/// <summary>A checked inference request.</summary>
/// <param name="Inputs">One tensor per model input, in the model's order.</param>
/// <param name="BatchSize">The rows along the batch dimension; 1 for a model without one.</param>
/// <param name="Outputs">The outputs to return, in the order asked.</param>
internal sealed record DecodedRequest(InferTensor[] Inputs, long BatchSize, string[] Outputs);
