using Microsoft.ML.OnnxRuntime;

namespace MtlOnnx.Training.Session;

/// <summary>
/// Output values that ONNX Runtime allocated for one step, with their names. Disposing the collection disposes
/// every value.
/// </summary>
public sealed class TrainingOutputs : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly OrtValue[] _values;

    internal TrainingOutputs(IReadOnlyList<string> names, OrtValue[] values)
    {
        Names = names;
        _values = values;
    }

    /// <summary>Gets the output names, in the order of the values.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <inheritdoc />
    public int Count => _values.Length;

    /// <inheritdoc />
    public OrtValue this[int index] => _values[index];

    /// <summary>Gets an output by name.</summary>
    /// <param name="name">The output's name.</param>
    /// <returns>The value; owned by the collection.</returns>
    /// <exception cref="KeyNotFoundException">No output has this name.</exception>
    public OrtValue this[string name]
    {
        get
        {
            for (var i = 0; i < Names.Count; i++)
            {
                if (Names[i] == name)
                {
                    return _values[i];
                }
            }

            throw new KeyNotFoundException(
                $"There is no output named '{name}'; the outputs are {string.Join(", ", Names)}.");
        }
    }

    /// <inheritdoc />
    public IEnumerator<OrtValue> GetEnumerator() => ((IEnumerable<OrtValue>)_values).GetEnumerator();

    /// <inheritdoc />
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in _values)
        {
            value.Dispose();
        }
    }
}
