using Microsoft.Extensions.Logging;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff.Internal;

namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation of ONNX graphs into standard <c>ai.onnx</c> operators, so that an
/// ordinary ONNX Runtime inference session computes the gradients.
/// </summary>
public static class Autodiff
{
    /// <summary>
    /// Adds to a forward graph the nodes that compute the requested gradients, in one graph that runs the forward
    /// pass once.
    /// </summary>
    /// <param name="forward">The forward model (opset 13 to 21). It is not changed.</param>
    /// <param name="request">The losses, their weights and the tensors to differentiate with respect to.</param>
    /// <returns>The model with gradient outputs, and the names of those outputs.</returns>
    /// <exception cref="ArgumentException">
    /// The request names a tensor the graph does not have, the weights do not match the losses, a loss is not a
    /// scalar, or the model's opset is outside 13 to 21.
    /// </exception>
    /// <exception cref="GradientNotDefinedException">A gradient must flow through a node that has no rule.</exception>
    public static GradientResult Differentiate(ModelProto forward, GradientRequest request) =>
        Differentiate(forward, request, logger: null);

    /// <summary>
    /// Adds to a forward graph the nodes that compute the requested gradients, logging what it builds and where
    /// it had to fall back to run-time shape computations.
    /// </summary>
    /// <param name="forward">The forward model (opset 13 to 21). It is not changed.</param>
    /// <param name="request">The losses, their weights and the tensors to differentiate with respect to.</param>
    /// <param name="logger">The logger, or <see langword="null"/> for none.</param>
    /// <returns>The model with gradient outputs, and the names of those outputs.</returns>
    /// <exception cref="ArgumentException">
    /// The request names a tensor the graph does not have, the weights do not match the losses, a loss is not a
    /// scalar, or the model's opset is outside 13 to 21.
    /// </exception>
    /// <exception cref="GradientNotDefinedException">A gradient must flow through a node that has no rule.</exception>
    public static GradientResult Differentiate(ModelProto forward, GradientRequest request, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(request);
        return new GradientEngine(forward, request, logger).Run();
    }
}
