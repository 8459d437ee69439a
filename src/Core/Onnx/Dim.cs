namespace MtlOnnx.Onnx;

/// <summary>
/// One dimension of a tensor shape: a fixed size, a symbolic name such as <c>batch</c>, or unknown.
/// </summary>
public readonly record struct Dim
{
    private Dim(long? value, string? param)
    {
        Value = value;
        Param = param;
    }

    /// <summary>Gets the fixed size, or <see langword="null"/> when the dimension is symbolic or unknown.</summary>
    public long? Value { get; }

    /// <summary>Gets the symbolic name, or <see langword="null"/> when the dimension is fixed or unknown.</summary>
    public string? Param { get; }

    /// <summary>Gets whether the dimension has a fixed size.</summary>
    public bool IsFixed => Value.HasValue;

    /// <summary>Gets an unknown dimension: neither fixed nor named.</summary>
    public static Dim Unknown => default;

    /// <summary>Creates a fixed dimension.</summary>
    /// <param name="value">The size; zero or more.</param>
    /// <returns>The dimension.</returns>
    public static Dim Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new Dim(value, null);
    }

    /// <summary>Creates a symbolic dimension.</summary>
    /// <param name="name">The symbol, for example <c>batch</c>.</param>
    /// <returns>The dimension.</returns>
    public static Dim Symbol(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new Dim(null, name);
    }

    /// <summary>Converts a size to a fixed dimension.</summary>
    /// <param name="value">The size.</param>
    public static implicit operator Dim(long value) => Fixed(value);

    /// <summary>Converts a name to a symbolic dimension.</summary>
    /// <param name="name">The symbol.</param>
    public static implicit operator Dim(string name) => Symbol(name);

    /// <summary>Creates a fixed dimension from a size.</summary>
    /// <param name="value">The size.</param>
    /// <returns>The dimension.</returns>
    public static Dim FromInt64(long value) => Fixed(value);

    /// <summary>Creates a symbolic dimension from a name.</summary>
    /// <param name="name">The symbol.</param>
    /// <returns>The dimension.</returns>
    public static Dim FromString(string name) => Symbol(name);

    /// <inheritdoc />
    public override string ToString() =>
        Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}
