namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Places a list of parameter tensors one after another in a flat float buffer, in the order given, so that all
/// parameters (or their gradients, or one optimizer state) fit in one span.
/// </summary>
public sealed class ParameterLayout
{
    private readonly long[] _offsets;
    private readonly Dictionary<string, int> _indices;

    /// <summary>Initializes a layout.</summary>
    /// <param name="parameters">The parameters, in buffer order; names must be distinct.</param>
    /// <exception cref="ArgumentException">Two parameters have the same name.</exception>
    public ParameterLayout(IReadOnlyList<ParameterDescriptor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        _offsets = new long[Parameters.Count + 1];
        _indices = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i]
                ?? throw new ArgumentException("A parameter descriptor is null.", nameof(parameters));
            if (!_indices.TryAdd(parameter.Name, i))
            {
                throw new ArgumentException($"The parameter '{parameter.Name}' is listed twice.", nameof(parameters));
            }

            _offsets[i + 1] = checked(_offsets[i] + parameter.ElementCount);
            MaxElementCount = Math.Max(MaxElementCount, parameter.ElementCount);
        }
    }

    /// <summary>Gets the parameters in buffer order.</summary>
    public IReadOnlyList<ParameterDescriptor> Parameters { get; }

    /// <summary>Gets the number of parameters.</summary>
    public int Count => Parameters.Count;

    /// <summary>Gets the total number of elements: the length of a flat buffer.</summary>
    public long TotalElementCount => _offsets[^1];

    /// <summary>Gets the element count of the largest parameter, the size scratch buffers need.</summary>
    public long MaxElementCount { get; }

    /// <summary>Gets the offset of a parameter's first element in the flat buffer.</summary>
    /// <param name="index">The parameter's index.</param>
    /// <returns>The offset, in elements.</returns>
    public long OffsetOf(int index) => _offsets[index];

    /// <summary>Gets the index of a parameter by name.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <returns>The index.</returns>
    /// <exception cref="KeyNotFoundException">No parameter has this name.</exception>
    public int IndexOf(string name) =>
        _indices.TryGetValue(name, out var index)
            ? index
            : throw new KeyNotFoundException($"There is no parameter named '{name}'.");

    /// <summary>Gets the index of a parameter by name, if there is one.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="index">The index, when found.</param>
    /// <returns><see langword="true"/> when the parameter exists.</returns>
    public bool TryGetIndex(string name, out int index) => _indices.TryGetValue(name, out index);

    /// <summary>Gets the part of a flat buffer that holds one parameter.</summary>
    /// <param name="buffer">The flat buffer, <see cref="TotalElementCount"/> long.</param>
    /// <param name="index">The parameter's index.</param>
    /// <returns>The slice.</returns>
    public Span<float> Slice(Span<float> buffer, int index) =>
        buffer.Slice((int)_offsets[index], (int)Parameters[index].ElementCount);

    /// <summary>Gets the part of a read-only flat buffer that holds one parameter.</summary>
    /// <param name="buffer">The flat buffer, <see cref="TotalElementCount"/> long.</param>
    /// <param name="index">The parameter's index.</param>
    /// <returns>The slice.</returns>
    public ReadOnlySpan<float> Slice(ReadOnlySpan<float> buffer, int index) =>
        buffer.Slice((int)_offsets[index], (int)Parameters[index].ElementCount);
}
