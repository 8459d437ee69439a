using System.Globalization;

namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// A dimension that is a product of a constant and symbols, such as <c>4*batch</c>: what reshapes in attention
/// layers produce when they fold the heads into the batch. Written into <c>dim_param</c> in a canonical form
/// (constant first, symbols sorted), so that equal products compare equal as strings.
/// </summary>
internal sealed class Monomial
{
    private Monomial(long coefficient, List<string> symbols)
    {
        Coefficient = coefficient;
        symbols.Sort(StringComparer.Ordinal);
        Symbols = symbols;
    }

    /// <summary>Gets the constant factor.</summary>
    public long Coefficient { get; }

    /// <summary>Gets the symbols, sorted, with repeats.</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <summary>Reads a dimension as a product, or fails for an unknown dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="monomial">The product.</param>
    /// <returns><see langword="true"/> for fixed and symbolic dimensions.</returns>
    public static bool TryFrom(Dim dim, out Monomial monomial) => TryFrom(dim.Value, dim.Param, out monomial);

    /// <summary>Reads a tracked integer as a product, or fails when it is unknown.</summary>
    /// <param name="value">The integer.</param>
    /// <param name="monomial">The product.</param>
    /// <returns><see langword="true"/> for numbers and symbols.</returns>
    public static bool TryFrom(SymInt value, out Monomial monomial) => TryFrom(value.Value, value.Symbol, out monomial);

    /// <summary>Multiplies two products.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <returns>The product.</returns>
    public static Monomial Multiply(Monomial a, Monomial b) =>
        new(checked(a.Coefficient * b.Coefficient), [.. a.Symbols, .. b.Symbols]);

    /// <summary>Divides two products when the division is exact.</summary>
    /// <param name="a">The dividend.</param>
    /// <param name="b">The divisor.</param>
    /// <param name="quotient">The quotient.</param>
    /// <returns><see langword="true"/> when <paramref name="b"/> divides <paramref name="a"/> exactly.</returns>
    public static bool TryDivide(Monomial a, Monomial b, out Monomial quotient)
    {
        quotient = a;
        if (b.Coefficient == 0 || a.Coefficient % b.Coefficient != 0)
        {
            return false;
        }

        var remaining = a.Symbols.ToList();
        foreach (var symbol in b.Symbols)
        {
            if (!remaining.Remove(symbol))
            {
                return false;
            }
        }

        quotient = new Monomial(a.Coefficient / b.Coefficient, remaining);
        return true;
    }

    /// <summary>Adds two products when they have the same symbols.</summary>
    /// <param name="a">The first term.</param>
    /// <param name="b">The second term.</param>
    /// <param name="sum">The sum.</param>
    /// <returns><see langword="true"/> when the sum is again a product.</returns>
    public static bool TryAdd(Monomial a, Monomial b, out Monomial sum)
    {
        sum = a;
        if (a.Coefficient == 0)
        {
            sum = b;
            return true;
        }

        if (b.Coefficient == 0)
        {
            return true;
        }

        if (!a.Symbols.SequenceEqual(b.Symbols, StringComparer.Ordinal))
        {
            return false;
        }

        sum = new Monomial(checked(a.Coefficient + b.Coefficient), [.. a.Symbols]);
        return true;
    }

    /// <summary>Converts the product to a dimension.</summary>
    /// <returns>A fixed dimension without symbols, else a symbolic one; unknown when negative.</returns>
    public Dim ToDim()
    {
        if (Symbols.Count == 0)
        {
            return Coefficient >= 0 ? Dim.Fixed(Coefficient) : Dim.Unknown;
        }

        return Coefficient > 0 ? Dim.Symbol(ToString()) : Dim.Unknown;
    }

    /// <summary>Converts the product to a tracked integer.</summary>
    /// <returns>The integer.</returns>
    public SymInt ToSymInt() =>
        Symbols.Count == 0 ? SymInt.Of(Coefficient) : Coefficient == 0 ? SymInt.Of(0) : new SymInt(null, ToString());

    /// <inheritdoc />
    public override string ToString()
    {
        var symbols = string.Join("*", Symbols);
        return Coefficient == 1 ? symbols : $"{Coefficient.ToString(CultureInfo.InvariantCulture)}*{symbols}";
    }

    private static bool TryFrom(long? value, string? param, out Monomial monomial)
    {
        if (value is { } v)
        {
            monomial = new Monomial(v, []);
            return true;
        }

        monomial = new Monomial(1, []);
        if (string.IsNullOrEmpty(param))
        {
            return false;
        }

        long coefficient = 1;
        var symbols = new List<string>();
        foreach (var part in param.Split('*'))
        {
            if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                coefficient *= number;
            }
            else if (part.Length > 0)
            {
                symbols.Add(part);
            }
        }

        monomial = new Monomial(coefficient, symbols);
        return true;
    }
}
