namespace MtlOnnx.Training.Jobs;

/// <summary>The data a job trains and evaluates on.</summary>
public sealed class DataSpec
{
    /// <summary>Gets the source. The default is <see cref="DataSourceKind.Shapes"/>.</summary>
    public DataSourceKind Source { get; init; } = DataSourceKind.Shapes;

    /// <summary>
    /// Gets the folder of the Fashion-MNIST IDX files, or the training manifest of a CSV or JSON Lines source;
    /// relative to the job file.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>Gets the validation manifest; when absent, a fraction of the training rows is held out.</summary>
    public string? Validation { get; init; }

    /// <summary>Gets the test manifest, or <see langword="null"/> for none.</summary>
    public string? Test { get; init; }

    /// <summary>Gets the fraction of training rows held out for validation when no validation manifest is given.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Gets the manifest column that holds an image path (relative to the manifest).</summary>
    public string? ImageColumn { get; init; }

    /// <summary>Gets the manifest column that holds the text.</summary>
    public string? TextColumn { get; init; }

    /// <summary>Gets the manifest columns that hold a feature vector, for vector inputs.</summary>
    public IReadOnlyList<string> FeatureColumns { get; init; } = [];

    /// <summary>Gets the batch size. The default is 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Gets the number of batches prepared ahead of the training step. The default is 2.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>Gets whether bad manifest rows are skipped with a counted warning instead of failing.</summary>
    public bool SkipBadRows { get; init; }

    /// <summary>Gets the number of Multi-Fashion training samples (two per Fashion-MNIST image at most). The default is 120,000.</summary>
    public int TrainLimit { get; init; } = 120_000;

    /// <summary>Gets the number of Multi-Fashion test samples. The default is 10,000.</summary>
    public int TestLimit { get; init; } = 10_000;

    /// <summary>Gets the shapes options, used when <see cref="Source"/> is <see cref="DataSourceKind.Shapes"/>.</summary>
    public ShapesDataSpec Shapes { get; init; } = new();
}
