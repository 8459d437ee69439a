namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// What shape inference knows about one tensor: its element type, its shape when the rank is known, and, for small
/// integer tensors such as shapes and axes, its values (which may be symbolic, as the output of <c>Shape</c> is).
/// </summary>
/// <param name="Type">The element type; <see cref="ElementType.Undefined"/> when not known.</param>
/// <param name="Shape">The dimensions, or <see langword="null"/> when the rank is not known.</param>
/// <param name="Values">The elements in row-major order, or <see langword="null"/> when not known.</param>
/// <param name="Floats">The elements of a small floating-point constant, or <see langword="null"/>.</param>
/// <param name="Constant">
/// The tensor itself when it is a constant of any size (an initializer that is no input, or a <c>Constant</c>
/// node's value), or <see langword="null"/>.
/// </param>
internal sealed record TensorFacts(
    ElementType Type,
    Dim[]? Shape,
    SymInt[]? Values = null,
    double[]? Floats = null,
    TensorProto? Constant = null)
{
    /// <summary>The most elements whose values are tracked; shapes and axes are far smaller.</summary>
    public const int MaxTrackedValues = 64;

    /// <summary>Gets the integer elements when all of them are fixed numbers, or <see langword="null"/>.</summary>
    public long[]? FixedValues
    {
        get
        {
            if (Values is null)
            {
                return null;
            }

            var result = new long[Values.Length];
            for (var i = 0; i < result.Length; i++)
            {
                if (Values[i].Value is not { } v)
                {
                    return null;
                }

                result[i] = v;
            }

            return result;
        }
    }
}
