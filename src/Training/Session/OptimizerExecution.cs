namespace MtlOnnx.Training.Session;

/// <summary>
/// Where a training session applies the optimizer's update rule.
/// </summary>
public enum OptimizerExecution
{
    /// <summary>On the CPU path when training on the CPU, through the optimizer graph on CUDA.</summary>
    Auto,

    /// <summary>
    /// In place on the host, with <see cref="Optimizers.CpuOptimizer"/>; needs the CPU device. One set of parameter
    /// buffers, no copies.
    /// </summary>
    Cpu,

    /// <summary>
    /// Through <c>optimizer_model.onnx</c> on the training device, with two sets of parameter and state buffers that
    /// swap after each step.
    /// </summary>
    Graph,
}
