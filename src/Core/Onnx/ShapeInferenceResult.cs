using System.Diagnostics.CodeAnalysis;
using MtlOnnx.Onnx.Internal;

namespace MtlOnnx.Onnx;

/// <summary>
/// The element types and shapes that <see cref="ShapeInference"/> found for the tensors of a graph: its inputs,
/// initializers and node outputs. Dimensions may be fixed, symbolic (such as <c>batch</c>) or unknown.
/// </summary>
public sealed class ShapeInferenceResult
{
    private readonly IReadOnlyDictionary<string, TensorFacts> _facts;

    internal ShapeInferenceResult(IReadOnlyDictionary<string, TensorFacts> facts, IReadOnlyList<string> unknownOps)
    {
        _facts = facts;
        UnknownOperators = unknownOps;
    }

    /// <summary>Gets the names of all tensors with a known element type or rank.</summary>
    public IEnumerable<string> Names => _facts.Keys;

    /// <summary>Gets the operator types for which no rule exists, whose outputs stay unknown.</summary>
    public IReadOnlyList<string> UnknownOperators { get; }

    /// <summary>Gets the shape of a tensor when its rank is known.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="shape">The dimensions; some may be <see cref="Dim.Unknown"/>.</param>
    /// <returns><see langword="true"/> when the rank is known.</returns>
    public bool TryGetShape(string name, [NotNullWhen(true)] out IReadOnlyList<Dim>? shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        shape = _facts.TryGetValue(name, out var facts) ? facts.Shape : null;
        return shape is not null;
    }

    /// <summary>Gets the element type of a tensor when it is known.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="type">The element type, or <see cref="ElementType.Undefined"/>.</param>
    /// <returns><see langword="true"/> when the element type is known.</returns>
    public bool TryGetElementType(string name, out ElementType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        type = _facts.TryGetValue(name, out var facts) ? facts.Type : ElementType.Undefined;
        return type != ElementType.Undefined;
    }

    /// <summary>Gets the rank of a tensor, or -1 when it is not known.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The rank, or -1.</returns>
    public int GetRank(string name) => TryGetShape(name, out var shape) ? shape.Count : -1;

    /// <summary>Gets whether every dimension of a tensor is fixed or symbolic, none unknown.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns><see langword="true"/> when the shape is fully known.</returns>
    public bool IsFullyKnown(string name) =>
        TryGetShape(name, out var shape) && shape.All(d => d.IsFixed || d.Param is not null);

    /// <summary>Formats the type and shape of a tensor for messages, for example <c>float[batch, 10]</c>.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The description, or <c>?</c> when nothing is known.</returns>
    public string Describe(string name)
    {
        var type = TryGetElementType(name, out var t) ? ElementTypes.Name(t) : "?";
        return TryGetShape(name, out var shape) ? $"{type}[{string.Join(", ", shape)}]" : type;
    }
}
