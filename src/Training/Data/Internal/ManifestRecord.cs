namespace MtlOnnx.Training.Data.Internal;

/// <summary>One parsed manifest row: where it came from, its input and its labels per task.</summary>
internal sealed class ManifestRecord
{
    public required int Row { get; init; }

    public required int Line { get; init; }

    public string? ImagePath { get; init; }

    public string? Text { get; init; }

    public float[]? Features { get; init; }

    /// <summary>Gets the class index per task (multiclass), or -1 where the label is missing.</summary>
    public required long[] Classes { get; init; }

    /// <summary>Gets the values per task (other kinds), or null where the label is missing.</summary>
    public required float[]?[] Values { get; init; }
}
