namespace MtlOnnx.Training.Compare;

/// <summary>What <see cref="MethodComparison"/> trains: the methods, the number of seeds and the run settings.</summary>
public sealed class ComparisonOptions
{
    /// <summary>Gets the multi-task methods to compare, by their registry names (see <c>MultitaskMethods.Names</c>).</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>
    /// Gets the number of seeds. Seed k (from 0) trains with the job's seed plus k, for the baselines and every
    /// method alike. The default is 3.
    /// </summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Gets the number of epochs of every run, or <see langword="null"/> for the job's own. The default is null.</summary>
    public int? Epochs { get; init; }

    /// <summary>
    /// Gets the folder the runs and the table are written to, or <see langword="null"/> for <c>runs/NAME-compare</c>
    /// next to the job file. The default is null.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>
    /// Gets whether the single-task baselines are trained; without them the table has no Δm%. The default is true.
    /// </summary>
    public bool IncludeBaselines { get; init; } = true;

    /// <summary>Gets the number of ONNX Runtime threads of each run; 0 lets the runtime choose. The default is 0.</summary>
    public int Threads { get; init; }

    /// <summary>Gets the observer of the comparison's progress, or <see langword="null"/>.</summary>
    public IComparisonObserver? Observer { get; init; }
}
