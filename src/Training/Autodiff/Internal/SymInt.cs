using System.Globalization;
using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>
/// One element of a small integer tensor (a shape, axes, sizes) as shape inference knows it: a fixed value, a
/// symbolic dimension such as <c>batch</c>, or unknown.
/// </summary>
/// <param name="Value">The value, when fixed.</param>
/// <param name="Symbol">The symbol, when the element is a symbolic dimension.</param>
internal readonly record struct SymInt(long? Value, string? Symbol)
{
    public static SymInt Unknown => default;

    public bool IsFixed => Value.HasValue;

    public static SymInt Of(long value) => new(value, null);

    public static SymInt FromDim(Dim dim) => new(dim.Value, dim.Param);

    /// <summary>Converts the element to a dimension; negative or unknown values become unknown dimensions.</summary>
    public Dim ToDim() => Value is { } v
        ? (v >= 0 ? Dim.Fixed(v) : Dim.Unknown)
        : Symbol is { } s ? Dim.Symbol(s) : Dim.Unknown;

    public override string ToString() => Value?.ToString(CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
