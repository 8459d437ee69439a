namespace MtlOnnx.Training.Artifacts;

/// <summary>
/// The file and tensor names of a training-artifact directory. Tensor names follow ONNX Runtime's training
/// artifacts so that their users recognise them.
/// </summary>
public static class ArtifactNames
{
    /// <summary>The training graph: forward, losses and accumulated gradients.</summary>
    public const string TrainingModel = "training_model.onnx";

    /// <summary>The evaluation graph: inference-mode forward and losses.</summary>
    public const string EvalModel = "eval_model.onnx";

    /// <summary>The optimizer graph.</summary>
    public const string OptimizerModel = "optimizer_model.onnx";

    /// <summary>The initial checkpoint.</summary>
    public const string Checkpoint = "checkpoint.safetensors";

    /// <summary>The manifest that lists parameters, losses and the roles of the graphs' inputs and outputs.</summary>
    public const string Manifest = "artifacts.json";

    /// <summary>The bool [1] training-graph input that, when true, replaces the accumulated gradients.</summary>
    public const string LazyResetGrad = "lazy_reset_grad";

    /// <summary>Gets the training-graph input that carries a parameter's accumulated gradient.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <returns><c>&lt;parameter&gt;_grad.accumulation.buffer</c>.</returns>
    public static string AccumulationBuffer(string parameter) => parameter + "_grad.accumulation.buffer";

    /// <summary>Gets the training-graph output that carries a parameter's gradient after accumulation.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <returns><c>&lt;parameter&gt;_grad.accumulation.out</c>.</returns>
    public static string AccumulationOutput(string parameter) => parameter + "_grad.accumulation.out";
}
