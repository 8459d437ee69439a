namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// Emits the backward nodes of one operator: given the gradients of a forward node's outputs, it computes the
/// gradients of the inputs that need one.
/// </summary>
/// <remarks>
/// A rule is called once per backward pass through a node (the weighted pass and, where per-loss gradients are
/// requested, once per loss), so it must not keep state between calls. Everything it emits goes through the
/// <see cref="GradientContext"/>.
/// </remarks>
public interface IGradientRule
{
    /// <summary>Emits the backward nodes for <see cref="GradientContext.Node"/>.</summary>
    /// <param name="context">The forward node, its output gradients, and the emission helpers.</param>
    /// <exception cref="GradientNotDefinedException">The node's attributes or inputs have no gradient.</exception>
    void Backward(GradientContext context);
}
