namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// The tensor names the optimizer graph and the checkpoints use. The scalar inputs and the gradient names follow
/// ONNX Runtime's training artifacts; the state slots follow <c>torch.optim</c>.
/// </summary>
public static class OptimizerNames
{
    /// <summary>The float [1] input that carries the learning rate.</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>The int64 [1] input that carries the 1-based number of the update being applied.</summary>
    public const string Step = "step";

    /// <summary>The SGD momentum buffer's slot.</summary>
    public const string MomentumBufferSlot = "momentum_buffer";

    /// <summary>Adam's first-moment slot.</summary>
    public const string ExpAvgSlot = "exp_avg";

    /// <summary>Adam's second-moment slot.</summary>
    public const string ExpAvgSqSlot = "exp_avg_sq";

    /// <summary>The suffix of an updated value in the optimizer graph's outputs.</summary>
    public const string UpdatedSuffix = ".updated";

    /// <summary>Gets the name of a parameter's gradient, <c>&lt;parameter&gt;_grad</c>.</summary>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The gradient's name.</returns>
    public static string Gradient(string parameter) => parameter + "_grad";

    /// <summary>Gets the name of a parameter's state tensor, <c>&lt;parameter&gt;.&lt;slot&gt;</c>.</summary>
    /// <param name="parameter">The parameter's name.</param>
    /// <param name="slot">The slot.</param>
    /// <returns>The state tensor's name.</returns>
    public static string State(string parameter, string slot) => parameter + "." + slot;

    /// <summary>
    /// Gets the name of the updated value of a parameter or state tensor in the optimizer graph's outputs.
    /// </summary>
    /// <param name="name">The parameter's or state tensor's name.</param>
    /// <returns>The output's name.</returns>
    public static string Updated(string name) => name + UpdatedSuffix;
}
