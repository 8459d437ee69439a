namespace MtlOnnx.Training.Compare;

/// <summary>What a comparison produced: its runs, its table and the files written.</summary>
public sealed class ComparisonResult
{
    /// <summary>Gets the runs that finished, in the order they ran.</summary>
    public required IReadOnlyList<ComparisonRun> Runs { get; init; }

    /// <summary>Gets the table built from <see cref="Runs"/>.</summary>
    public required ComparisonTable Table { get; init; }

    /// <summary>Gets whether the comparison was cancelled before its last run finished.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Gets the files written: the Markdown page, the CSV table, the plot and the runs.</summary>
    public required ComparisonFiles Files { get; init; }
}
