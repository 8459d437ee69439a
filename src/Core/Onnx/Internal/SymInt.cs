namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// One element of a small integer tensor whose value shape inference tracks: a number (negative ones included, as
/// in reshape targets and axes), a symbolic dimension such as <c>batch</c> (from <c>Shape</c>), or unknown.
/// </summary>
/// <param name="Value">The number, or <see langword="null"/>.</param>
/// <param name="Symbol">The symbol, or <see langword="null"/>.</param>
internal readonly record struct SymInt(long? Value, string? Symbol)
{
    /// <summary>Gets an unknown element.</summary>
    public static SymInt Unknown => default;

    /// <summary>Gets whether the element is a known number.</summary>
    public bool IsFixed => Value.HasValue;

    /// <summary>Creates a known number.</summary>
    /// <param name="value">The number.</param>
    /// <returns>The element.</returns>
    public static SymInt Of(long value) => new(value, null);

    /// <summary>Creates an element from a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <returns>The element.</returns>
    public static SymInt FromDim(Dim dim) => new(dim.Value, dim.Param);

    /// <summary>Converts the element to a dimension; negative numbers become unknown.</summary>
    /// <returns>The dimension.</returns>
    public Dim ToDim() => Value is { } v
        ? (v >= 0 ? Dim.Fixed(v) : Dim.Unknown)
        : Symbol is { } s ? Dim.Symbol(s) : Dim.Unknown;

    /// <summary>Applies integer arithmetic as ONNX's Add, Sub, Mul and Div do, keeping symbols where exact.</summary>
    /// <param name="op">The operator.</param>
    /// <param name="x">The left operand.</param>
    /// <param name="y">The right operand.</param>
    /// <returns>The result, or unknown.</returns>
    public static SymInt Apply(string op, SymInt x, SymInt y)
    {
        if (x.Value is { } p && y.Value is { } q)
        {
            return op switch
            {
                "Add" => Of(p + q),
                "Sub" => Of(p - q),
                "Mul" => Of(p * q),

                // ONNX integer division truncates toward zero, as C# does.
                "Div" when q != 0 => Of(p / q),
                _ => Unknown,
            };
        }

        if (!Monomial.TryFrom(x, out var a) || !Monomial.TryFrom(y, out var b))
        {
            return Unknown;
        }

        return op switch
        {
            "Mul" => Monomial.Multiply(a, b).ToSymInt(),
            "Div" when Monomial.TryDivide(a, b, out var quotient) => quotient.ToSymInt(),
            "Add" when Monomial.TryAdd(a, b, out var sum) => sum.ToSymInt(),
            "Sub" when y.Value == 0 => x,
            _ => Unknown,
        };
    }
}
