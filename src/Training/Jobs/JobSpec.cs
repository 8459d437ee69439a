using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Jobs;

/// <summary>
/// A training job: inputs and preprocessing, trunk, architecture, tasks, data, optimizer, schedule, multi-task
/// methods, epochs, seed, device and output folder. Read from YAML by <see cref="JobFile"/>.
/// </summary>
public sealed class JobSpec
{
    /// <summary>Gets the job name, used for the output folder and the report. The default is <c>job</c>.</summary>
    public string Name { get; init; } = "job";

    /// <summary>Gets the seed that fixes initialisation, shuffling, augmentation and dropout. The default is 0.</summary>
    public int Seed { get; init; }

    /// <summary>Gets the device: <c>cpu</c>, <c>cuda</c> or <c>auto</c>. The default is <c>cpu</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Gets the output folder, relative to the job file; the default is <c>runs/NAME</c>.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the number of epochs. The default is 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Gets the input and its preprocessing.</summary>
    public InputSpec Input { get; init; } = new();

    /// <summary>Gets the shared trunk.</summary>
    public TrunkSpec Trunk { get; init; } = new();

    /// <summary>Gets the sharing architecture.</summary>
    public ArchitectureSpec Architecture { get; init; } = new();

    /// <summary>Gets the tasks, in output order.</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; init; } = [];

    /// <summary>Gets the data source and loading options.</summary>
    public DataSpec Data { get; init; } = new();

    /// <summary>Gets the optimizer.</summary>
    public OptimizerSpec Optimizer { get; init; } = OptimizerSpec.Adam();

    /// <summary>Gets the learning-rate schedule.</summary>
    public ScheduleSpec Schedule { get; init; } = new();

    /// <summary>Gets the task-weighting method. The default is equal weighting, <c>ew</c>.</summary>
    public MethodSpec Weighting { get; init; } = new() { Name = "ew" };

    /// <summary>Gets the gradient-aggregation method, or <see langword="null"/> for none (a plain weighted sum).</summary>
    public MethodSpec? Gradients { get; init; }

    /// <summary>Gets the early-stopping rule and the quantity that picks the best checkpoint.</summary>
    public EarlyStoppingSpec EarlyStopping { get; init; } = new();

    /// <summary>Gets the folder that relative paths in the job are resolved against; the current folder by default.</summary>
    public string BaseDirectory { get; init; } = ".";

    /// <summary>Resolves a path of the job against <see cref="BaseDirectory"/>.</summary>
    /// <param name="path">A path as written in the job file.</param>
    /// <returns>The full path.</returns>
    public string ResolvePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(BaseDirectory, path));
    }

    /// <summary>Gets the output folder as a full path.</summary>
    public string OutputDirectory => ResolvePath(Output ?? System.IO.Path.Combine("runs", Name));

    /// <summary>Finds a task by name.</summary>
    /// <param name="name">The task name.</param>
    /// <returns>The task.</returns>
    /// <exception cref="KeyNotFoundException">No task has that name.</exception>
    public TaskSpec Task(string name) =>
        Tasks.FirstOrDefault(t => t.Name == name) ??
        throw new KeyNotFoundException($"The job has no task named '{name}'. Tasks: {string.Join(", ", Tasks.Select(t => t.Name))}.");
}
