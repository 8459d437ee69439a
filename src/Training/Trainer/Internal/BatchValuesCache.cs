using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// The <see cref="BatchValues"/> made for the batches a loader cycles through, reused while the same batch object
/// comes back with the same rows.
/// </summary>
internal sealed class BatchValuesCache(MultiTaskModel model) : IDisposable
{
    // A loader cycles through a few batches per enumeration; older values are forgotten (and their arrays unpinned)
    // once more batches were seen than any loader keeps.
    private const int Kept = 16;
    private readonly List<BatchValues> _values = [];

    /// <summary>Gets the values over a range of a batch's rows, made once per batch object and range.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="start">The first row.</param>
    /// <param name="rows">The row count.</param>
    /// <returns>The values, owned by the cache.</returns>
    public BatchValues Get(Batch batch, int start, int rows)
    {
        for (var i = 0; i < _values.Count; i++)
        {
            var cached = _values[i];
            if (ReferenceEquals(cached.Batch, batch))
            {
                if (cached.Start == start && cached.Rows == rows)
                {
                    return cached;
                }

                // Refilled with another row count, or split another way.
                cached.Dispose();
                _values.RemoveAt(i);
                break;
            }
        }

        if (_values.Count >= Kept)
        {
            _values[0].Dispose();
            _values.RemoveAt(0);
        }

        var values = new BatchValues(model, batch, start, rows);
        _values.Add(values);
        return values;
    }

    public void Dispose()
    {
        foreach (var values in _values)
        {
            values.Dispose();
        }

        _values.Clear();
    }
}
