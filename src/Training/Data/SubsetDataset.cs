namespace MtlOnnx.Training.Data;

/// <summary>A view of some samples of another data set, for example a validation split held out of training rows.</summary>
public sealed class SubsetDataset : IDataset
{
    private readonly IDataset _source;
    private readonly int[] _indices;

    /// <summary>Initializes a view.</summary>
    /// <param name="source">The data set.</param>
    /// <param name="indices">The indices of <paramref name="source"/> to expose, in order.</param>
    /// <param name="name">The view's name for descriptions.</param>
    public SubsetDataset(IDataset source, int[] indices, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        _source = source;
        _indices = indices;
        Description = $"{name} ({indices.Length} samples)";
    }

    /// <inheritdoc />
    public int Count => _indices.Length;

    /// <inheritdoc />
    public BatchLayout Layout => _source.Layout;

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public void Read(int index, Batch batch, int row, SampleContext context) =>
        _source.Read(_indices[index], batch, row, context);

    /// <inheritdoc />
    public void ReadLabels(int index, Batch batch, int row) => _source.ReadLabels(_indices[index], batch, row);

    /// <summary>Splits a data set into two seeded, disjoint, random parts.</summary>
    /// <param name="source">The data set.</param>
    /// <param name="fraction">The fraction that goes to the second part.</param>
    /// <param name="seed">The seed of the split.</param>
    /// <param name="name">The source's name.</param>
    /// <returns>The first (larger) part and the held-out part.</returns>
    public static (SubsetDataset Kept, SubsetDataset HeldOut) Split(IDataset source, double fraction, int seed, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        var permutation = SeededRandom.Derive((ulong)seed, 0x5B17).Permutation(source.Count);
        var heldOut = (int)Math.Round(source.Count * fraction);
        heldOut = Math.Clamp(heldOut, fraction > 0 ? 1 : 0, source.Count - 1);
        var kept = permutation[heldOut..];
        var held = permutation[..heldOut];
        Array.Sort(kept);
        Array.Sort(held);
        return (new SubsetDataset(source, kept, $"{name}/train"), new SubsetDataset(source, held, $"{name}/validation"));
    }
}
