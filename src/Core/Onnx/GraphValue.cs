namespace MtlOnnx.Onnx;

/// <summary>
/// A reference to a named tensor in a graph under construction: an input, an initializer or a node output.
/// </summary>
/// <param name="Name">The tensor's name in the graph; the empty name marks an omitted optional input.</param>
public readonly record struct GraphValue(string Name)
{
    /// <summary>Gets the value that stands for an omitted optional input.</summary>
    public static GraphValue None => new(string.Empty);

    /// <summary>Gets whether this is the omitted-input marker.</summary>
    public bool IsNone => string.IsNullOrEmpty(Name);

    /// <inheritdoc />
    public override string ToString() => Name;
}
