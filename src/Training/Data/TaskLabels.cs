using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Data;

/// <summary>
/// The labels of one task for a batch, in reusable buffers sized for the batch capacity: class indices for
/// multiclass tasks, float values otherwise, and a mask that is 1 where a sample has a label.
/// </summary>
public sealed class TaskLabels
{
    /// <summary>Initializes buffers for one task.</summary>
    /// <param name="task">The task.</param>
    /// <param name="capacity">The largest batch.</param>
    public TaskLabels(TaskSpec task, int capacity)
    {
        ArgumentNullException.ThrowIfNull(task);
        Task = task;
        Width = task.Kind is TaskKind.Multiclass or TaskKind.Binary ? 1 : task.OutputCount;
        Classes = task.Kind == TaskKind.Multiclass ? new long[capacity] : [];
        Values = task.Kind == TaskKind.Multiclass ? [] : new float[capacity * Width];
        Mask = new float[capacity];
    }

    /// <summary>Gets the task.</summary>
    public TaskSpec Task { get; }

    /// <summary>Gets the number of values per sample: 1 for multiclass and binary, K or D otherwise.</summary>
    public int Width { get; }

    /// <summary>Gets the class indices of a multiclass task (0 where the label is missing); empty otherwise.</summary>
    public long[] Classes { get; }

    /// <summary>Gets the values of other tasks, <see cref="Width"/> per sample (0 where missing); empty for multiclass.</summary>
    public float[] Values { get; }

    /// <summary>Gets the mask: 1 where a sample has a label for this task, 0 where it is missing.</summary>
    public float[] Mask { get; }

    /// <summary>Marks a row's label as missing.</summary>
    /// <param name="row">The row in the batch.</param>
    public void SetMissing(int row)
    {
        Mask[row] = 0;
        if (Classes.Length > 0)
        {
            Classes[row] = 0;
        }
        else
        {
            Values.AsSpan(row * Width, Width).Clear();
        }
    }

    /// <summary>Sets a row's class index.</summary>
    /// <param name="row">The row.</param>
    /// <param name="label">The class index.</param>
    public void SetClass(int row, long label)
    {
        Classes[row] = label;
        Mask[row] = 1;
    }

    /// <summary>Sets a row's values.</summary>
    /// <param name="row">The row.</param>
    /// <param name="values">The values; <see cref="Width"/> of them.</param>
    public void SetValues(int row, ReadOnlySpan<float> values)
    {
        values.CopyTo(Values.AsSpan(row * Width, Width));
        Mask[row] = 1;
    }
}
