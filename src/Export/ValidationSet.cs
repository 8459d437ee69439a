using MtlOnnx.Export.Internal;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export;

/// <summary>
/// Labelled examples on which an export measures each task's metric at float32 and at the reduced precision.
/// Targets are per task: the class index for multiclass tasks, 0 or 1 for binary tasks, one 0 or 1 per label for
/// multilabel tasks, and the values for regression tasks.
/// </summary>
public sealed class ValidationSet
{
    private readonly Dictionary<string, TensorData> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _targets = new(StringComparer.Ordinal);

    /// <summary>Initializes an empty set of <paramref name="count"/> examples.</summary>
    /// <param name="count">The number of examples.</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is not positive.</exception>
    public ValidationSet(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
    }

    /// <summary>Gets the number of examples.</summary>
    public int Count { get; }

    /// <summary>Gets or sets how many examples run at once.</summary>
    public int BatchSize { get; set; } = 64;

    internal IReadOnlyDictionary<string, TensorData> Inputs => _inputs;

    internal IReadOnlyDictionary<string, float[]> Targets => _targets;

    /// <summary>Adds a float input; its first dimension is the example.</summary>
    /// <param name="name">The model input.</param>
    /// <param name="shape">The shape, starting with <see cref="Count"/>.</param>
    /// <param name="values">The elements.</param>
    /// <returns>This set.</returns>
    /// <exception cref="ArgumentException">The shape does not start with the count or does not match the values.</exception>
    public ValidationSet AddInput(string name, long[] shape, float[] values)
    {
        Check(name, shape, values.Length);
        _inputs[name] = TensorData.FromFloats(shape, values);
        return this;
    }

    /// <summary>Adds an integer input (token ids, say); its first dimension is the example.</summary>
    /// <param name="name">The model input.</param>
    /// <param name="shape">The shape, starting with <see cref="Count"/>.</param>
    /// <param name="values">The elements.</param>
    /// <returns>This set.</returns>
    /// <exception cref="ArgumentException">The shape does not start with the count or does not match the values.</exception>
    public ValidationSet AddInput(string name, long[] shape, long[] values)
    {
        Check(name, shape, values.Length);
        _inputs[name] = TensorData.FromInt64s(shape, values);
        return this;
    }

    /// <summary>Adds the targets of a task, <see cref="Count"/> rows of equal size.</summary>
    /// <param name="task">The task name.</param>
    /// <param name="values">The targets.</param>
    /// <returns>This set.</returns>
    /// <exception cref="ArgumentException">The number of values is not a multiple of the count.</exception>
    public ValidationSet AddTargets(string task, float[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0 || values.Length % Count != 0)
        {
            throw new ArgumentException(
                $"Task '{task}': {values.Length} targets do not divide into {Count} examples.", nameof(values));
        }

        _targets[task] = values;
        return this;
    }

    private void Check(string name, long[] shape, int length)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape[0] != Count || TensorProtos.ElementCount(shape) != length)
        {
            throw new ArgumentException(
                $"Input '{name}': shape [{string.Join(", ", shape)}] with {length} values does not describe " +
                $"{Count} examples.",
                nameof(shape));
        }
    }
}
