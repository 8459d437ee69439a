namespace MtlOnnx.Training.Checkpoints;

/// <summary>
/// User properties stored with a checkpoint: named 64-bit integers, floats and strings, as in ONNX Runtime's
/// checkpoint property bag. A name holds one value of one type; setting it again replaces the value.
/// </summary>
public sealed class CheckpointProperties
{
    private readonly SortedDictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <summary>Gets the property names, in ordinal order.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Gets the number of properties.</summary>
    public int Count => _values.Count;

    /// <summary>Sets an integer property.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The value.</param>
    public void AddProperty(string name, long value) => Set(name, value);

    /// <summary>Sets a float property.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The value.</param>
    public void AddProperty(string name, float value) => Set(name, value);

    /// <summary>Sets a string property.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The value.</param>
    public void AddProperty(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Set(name, value);
    }

    /// <summary>Gets a property: a boxed <see cref="long"/>, <see cref="float"/> or a <see cref="string"/>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">There is no property with this name.</exception>
    public object GetProperty(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _values.TryGetValue(name, out var value)
            ? value
            : throw new KeyNotFoundException($"The checkpoint has no property named '{name}'.");
    }

    /// <summary>Gets a property, if there is one.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The value, when found.</param>
    /// <returns><see langword="true"/> when the property exists.</returns>
    public bool TryGetProperty(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out object? value) =>
        _values.TryGetValue(name, out value);

    /// <summary>Removes a property.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> when a property was removed.</returns>
    public bool RemoveProperty(string name) => _values.Remove(name);

    /// <summary>Copies every property of another bag into this one.</summary>
    /// <param name="other">The other bag.</param>
    public void CopyFrom(CheckpointProperties other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _values.Clear();
        foreach (var (name, value) in other._values)
        {
            _values[name] = value;
        }
    }

    private void Set(string name, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _values[name] = value;
    }
}
