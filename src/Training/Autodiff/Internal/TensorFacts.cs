using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>What shape inference knows about one tensor: element type, shape and, for constants, its value.</summary>
internal sealed class TensorFacts
{
    public TensorFacts(ElementType type, Dim[]? shape, SymInt[]? values = null, TensorProto? constant = null)
    {
        Type = type;
        Shape = shape;
        Values = values;
        Constant = constant;
    }

    /// <summary>Gets the element type; <see cref="ElementType.Undefined"/> when unknown.</summary>
    public ElementType Type { get; }

    /// <summary>Gets the shape, or <see langword="null"/> when the rank is unknown.</summary>
    public Dim[]? Shape { get; }

    /// <summary>Gets the elements of a small integer tensor of rank 0 or 1, as far as they are known.</summary>
    public SymInt[]? Values { get; }

    /// <summary>Gets the tensor's value when it is a constant (an initializer or a <c>Constant</c> node).</summary>
    public TensorProto? Constant { get; }

    public int? Rank => Shape?.Length;

    /// <summary>Gets the shape when every dimension is fixed.</summary>
    public long[]? StaticShape => Shape is not null && Shape.All(d => d.IsFixed)
        ? Shape.Select(d => d.Value!.Value).ToArray()
        : null;

    /// <summary>Gets the integer elements when all of them are fixed.</summary>
    public long[]? FixedValues => Values is not null && Values.All(v => v.IsFixed)
        ? Values.Select(v => v.Value!.Value).ToArray()
        : null;
}
