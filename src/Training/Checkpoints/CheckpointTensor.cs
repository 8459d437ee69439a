using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// One float32 tensor of a checkpoint: its name, role, shape and elements.
/// </summary>
public sealed class CheckpointTensor
{
    /// <summary>Initializes a tensor.</summary>
    /// <param name="name">The name; optimizer state is named <c>&lt;parameter&gt;.&lt;slot&gt;</c>.</param>
    /// <param name="role">What the tensor holds.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="data">The elements in row-major order; the tensor keeps this array.</param>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public CheckpointTensor(string name, CheckpointTensorRole role, IReadOnlyList<long> shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        var descriptor = new ParameterDescriptor(name, shape);
        if (descriptor.ElementCount != data.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' has shape {descriptor.FormatShape()} ({descriptor.ElementCount} elements), " +
                $"but {data.Length} elements were given.",
                nameof(data));
        }

        Name = name;
        Role = role;
        Shape = descriptor.Shape;
        Data = data;
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets what the tensor holds.</summary>
    public CheckpointTensorRole Role { get; }

    /// <summary>Gets the shape.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Gets the elements in row-major order.</summary>
    public float[] Data { get; }
}
