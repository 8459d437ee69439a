namespace MtlOnnx.Training.Layers;

/// <summary>One parameter of a built model: its initializer name, shape, role and owner.</summary>
/// <param name="Name">The initializer name, dotted like PyTorch's, for example <c>trunk.conv1.weight</c>.</param>
/// <param name="Shape">The shape.</param>
/// <param name="Role">The role, which decides weight decay and whether it is trained.</param>
/// <param name="Owner">The owner: <c>shared</c>, or the name of the task the parameter belongs to.</param>
public sealed record ParameterInfo(string Name, IReadOnlyList<long> Shape, ParameterRole Role, string Owner)
{
    /// <summary>The owner name of parameters that every task uses.</summary>
    public const string SharedOwner = "shared";

    /// <summary>Gets whether the parameter is shared by all tasks.</summary>
    public bool IsShared => Owner == SharedOwner;

    /// <summary>Gets whether the parameter is a running statistic rather than a trained value.</summary>
    public bool IsBuffer => Role == ParameterRole.Buffer;

    /// <summary>Gets the number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}
