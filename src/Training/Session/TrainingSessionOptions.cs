using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace MtlOnnx.Training.Session;

/// <summary>
/// Options of a <see cref="TrainingSession"/>. Every property states its default.
/// </summary>
public sealed class TrainingSessionOptions
{
    /// <summary>
    /// Gets or sets the device: <c>cpu</c> (the default), <c>cuda</c>, <c>cuda:&lt;id&gt;</c> or <c>auto</c>.
    /// </summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// Gets or sets the number of intra-op threads of each ONNX Runtime session; zero (the default) lets it choose.
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Gets or sets where the optimizer runs. The default is <see cref="OptimizerExecution.Auto"/>.</summary>
    public OptimizerExecution Optimizer { get; set; } = OptimizerExecution.Auto;

    /// <summary>Gets or sets the graph optimisation level of the sessions. The default enables all optimisations.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Gets or sets the logger; <see langword="null"/> (the default) logs nothing.</summary>
    public ILogger? Logger { get; set; }
}
