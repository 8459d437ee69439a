using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures;

/// <summary>
/// A built multi-task forward graph and what training needs to know about it: the data inputs, each task's head
/// output, loss, label and mask, the regularisers, the parameters (as named initializers) with their owners and
/// roles, the running-statistic updates, the frozen parameters and the shared representation.
/// </summary>
/// <remarks>
/// The forward graph is in training mode, as ONNX Runtime's training artifacts expect: dropout is active and batch
/// normalisation uses batch statistics. Evaluation artifacts switch those nodes to inference mode.
/// </remarks>
public sealed class MultiTaskModel
{
    /// <summary>Gets the forward graph: inputs, trunk, heads, losses and regularisers.</summary>
    public required ModelProto Forward { get; init; }

    /// <summary>Gets the data inputs, in graph order.</summary>
    public required IReadOnlyList<ModelInput> Inputs { get; init; }

    /// <summary>Gets the tasks' tensors, in job order.</summary>
    public required IReadOnlyList<TaskOutputs> Tasks { get; init; }

    /// <summary>Gets the regularisers of the architecture; empty for hard sharing.</summary>
    public required IReadOnlyList<RegularizerOutput> Regularizers { get; init; }

    /// <summary>Gets every parameter, buffers included, in creation order.</summary>
    public required IReadOnlyList<ParameterInfo> Parameters { get; init; }

    /// <summary>Gets, for each running-statistic buffer, the tensor holding its value after a training-mode pass.</summary>
    public required IReadOnlyDictionary<string, string> BufferUpdates { get; init; }

    /// <summary>Gets the names of the parameters frozen by the job's patterns.</summary>
    public required IReadOnlySet<string> Frozen { get; init; }

    /// <summary>Gets the shared representation (the trunk's output, [N, F]) for representation-level gradients.</summary>
    public required string RepresentationName { get; init; }

    /// <summary>Gets the names of the parameters that are trained: not buffers and not frozen.</summary>
    public IReadOnlyList<string> TrainableNames =>
        Parameters.Where(p => !p.IsBuffer && !Frozen.Contains(p.Name)).Select(p => p.Name).ToArray();

    /// <summary>Gets the trained parameters that all tasks share: those per-task gradient methods operate on.</summary>
    public IReadOnlyList<string> SharedTrainableNames =>
        Parameters.Where(p => !p.IsBuffer && p.IsShared && !Frozen.Contains(p.Name)).Select(p => p.Name).ToArray();

    /// <summary>Gets the names of the parameters that are not trained: buffers and frozen parameters.</summary>
    public IReadOnlyList<string> FixedNames =>
        Parameters.Where(p => p.IsBuffer || Frozen.Contains(p.Name)).Select(p => p.Name).ToArray();

    /// <summary>Gets the task losses in task order, then the regularisers' outputs.</summary>
    public IReadOnlyList<string> LossNames =>
        Tasks.Select(t => t.LossName).Concat(Regularizers.Select(r => r.OutputName)).ToArray();

    /// <summary>Gets the number of trained scalar values.</summary>
    public long TrainableElementCount =>
        Parameters.Where(p => !p.IsBuffer && !Frozen.Contains(p.Name)).Sum(p => p.ElementCount);

    /// <summary>Finds a task's tensors by task name.</summary>
    /// <param name="task">The task name.</param>
    /// <returns>The task's tensors.</returns>
    /// <exception cref="KeyNotFoundException">No task has that name.</exception>
    public TaskOutputs Task(string task) =>
        Tasks.FirstOrDefault(t => t.Task.Name == task) ??
        throw new KeyNotFoundException($"The model has no task named '{task}'.");
}
