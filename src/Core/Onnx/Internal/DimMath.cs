namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// Arithmetic on dimensions that may be symbolic. A result is exact or unknown, never a guess: a symbol times a
/// fixed size other than one, for example, is unknown.
/// </summary>
internal static class DimMath
{
    /// <summary>Broadcasts two dimensions by the numpy rule.</summary>
    /// <param name="a">The first dimension.</param>
    /// <param name="b">The second dimension.</param>
    /// <returns>The broadcast dimension.</returns>
    public static Dim Broadcast(Dim a, Dim b)
    {
        if (a.Value == 1)
        {
            return b;
        }

        if (b.Value == 1)
        {
            return a;
        }

        if (a == b)
        {
            return a;
        }

        // A fixed size other than one wins over a symbol: the model is only valid if the symbol is 1 or equal.
        if (a.IsFixed && !b.IsFixed)
        {
            return a;
        }

        if (b.IsFixed && !a.IsFixed)
        {
            return b;
        }

        return Dim.Unknown;
    }

    /// <summary>Broadcasts shapes by the numpy rule, aligning them at the last dimension.</summary>
    /// <param name="shapes">The shapes; any <see langword="null"/> makes the result unknown.</param>
    /// <returns>The broadcast shape, or <see langword="null"/>.</returns>
    public static Dim[]? Broadcast(IReadOnlyList<Dim[]?> shapes)
    {
        if (shapes.Count == 0 || shapes.Any(s => s is null))
        {
            return null;
        }

        var rank = shapes.Max(s => s!.Length);
        var result = new Dim[rank];
        for (var i = 0; i < rank; i++)
        {
            Dim? current = null;
            foreach (var shape in shapes)
            {
                var offset = i - (rank - shape!.Length);
                if (offset < 0)
                {
                    continue;
                }

                current = current is { } c ? Broadcast(c, shape[offset]) : shape[offset];
            }

            result[i] = current ?? Dim.Fixed(1);
        }

        return result;
    }

    /// <summary>Multiplies two dimensions; symbols multiply into products such as <c>4*batch</c>.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <returns>The product, or unknown.</returns>
    public static Dim Mul(Dim a, Dim b)
    {
        if (a.Value == 0 || b.Value == 0)
        {
            return Dim.Fixed(0);
        }

        return Monomial.TryFrom(a, out var x) && Monomial.TryFrom(b, out var y)
            ? Monomial.Multiply(x, y).ToDim()
            : Dim.Unknown;
    }

    /// <summary>Adds two dimensions; symbolic terms add only when they are multiples of the same symbols.</summary>
    /// <param name="a">The first term.</param>
    /// <param name="b">The second term.</param>
    /// <returns>The sum, or unknown.</returns>
    public static Dim Add(Dim a, Dim b) =>
        Monomial.TryFrom(a, out var x) && Monomial.TryFrom(b, out var y) && Monomial.TryAdd(x, y, out var sum)
            ? sum.ToDim()
            : Dim.Unknown;

    /// <summary>Divides two dimensions when the division is exact.</summary>
    /// <param name="a">The dividend.</param>
    /// <param name="b">The divisor.</param>
    /// <returns>The quotient, or unknown.</returns>
    public static Dim Divide(Dim a, Dim b) =>
        Monomial.TryFrom(a, out var x) && Monomial.TryFrom(b, out var y) && Monomial.TryDivide(x, y, out var q)
            ? q.ToDim()
            : Dim.Unknown;

    /// <summary>Adds a constant to a dimension.</summary>
    /// <param name="a">The dimension.</param>
    /// <param name="b">The constant.</param>
    /// <returns>The sum, or unknown; never negative.</returns>
    public static Dim Add(Dim a, long b)
    {
        if (a.Value is { } x)
        {
            return x + b >= 0 ? Dim.Fixed(x + b) : Dim.Unknown;
        }

        return b == 0 ? a : Dim.Unknown;
    }

    /// <summary>Multiplies dimensions.</summary>
    /// <param name="dims">The factors.</param>
    /// <returns>The product, or unknown.</returns>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        var result = Dim.Fixed(1);
        foreach (var dim in dims)
        {
            result = Mul(result, dim);
        }

        return result;
    }

    /// <summary>Creates a shape of a given rank whose dimensions are all unknown.</summary>
    /// <param name="rank">The rank.</param>
    /// <returns>The shape.</returns>
    public static Dim[] UnknownShape(int rank) => Enumerable.Repeat(Dim.Unknown, rank).ToArray();

    /// <summary>Normalizes a possibly negative axis against a rank.</summary>
    /// <param name="axis">The axis.</param>
    /// <param name="rank">The rank.</param>
    /// <returns>The axis in [0, rank), or -1 when it is out of range.</returns>
    public static int Axis(long axis, int rank)
    {
        var normalized = axis < 0 ? axis + rank : axis;
        return normalized >= 0 && normalized < rank ? (int)normalized : -1;
    }
}
