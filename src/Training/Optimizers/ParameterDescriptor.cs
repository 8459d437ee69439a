using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Names a float32 parameter tensor and gives its shape.
/// </summary>
public sealed record ParameterDescriptor
{
    /// <summary>Initializes a descriptor.</summary>
    /// <param name="name">The parameter's name, as in the graph.</param>
    /// <param name="shape">The parameter's shape; every dimension fixed and not negative.</param>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public ParameterDescriptor(string name, IReadOnlyList<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = [.. shape];
        ElementCount = TensorProtos.ElementCount(Shape);
    }

    /// <summary>Gets the parameter's name.</summary>
    public string Name { get; }

    /// <summary>Gets the parameter's shape.</summary>
    public long[] Shape { get; }

    /// <summary>Gets the number of elements: the product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>Gets the rank: the number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Formats the shape as <c>[2, 3]</c>, as error messages print it.</summary>
    /// <returns>The formatted shape.</returns>
    public string FormatShape() => FormatShape(Shape);

    /// <summary>Formats a shape as <c>[2, 3]</c>.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The formatted shape.</returns>
    public static string FormatShape(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return "[" + string.Join(", ", shape) + "]";
    }
}
