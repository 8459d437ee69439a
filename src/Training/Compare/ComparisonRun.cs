namespace MtlOnnx.Training.Compare;

/// <summary>What one run of a comparison measured.</summary>
public sealed class ComparisonRun
{
    /// <summary>Gets the method's registry name, or <see langword="null"/> for a single-task baseline.</summary>
    public string? Method { get; init; }

    /// <summary>Gets the task a single-task baseline trained, or <see langword="null"/> for a method run.</summary>
    public string? BaselineTask { get; init; }

    /// <summary>Gets the seed the run trained with.</summary>
    public required int Seed { get; init; }

    /// <summary>Gets the best checkpoint's metrics on <see cref="Split"/>, task → metric → value.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Metrics { get; init; }

    /// <summary>Gets the split the metrics were measured on: <c>test</c>, or <c>validation</c> when the job has no test split.</summary>
    public string Split { get; init; } = "test";

    /// <summary>
    /// Gets the median wall-clock time of one training step in seconds: the time between the ends of consecutive
    /// steps of an epoch, so data loading, the method and the optimizer are included and validation is not.
    /// </summary>
    public required double MedianStepSeconds { get; init; }

    /// <summary>Gets the number of step times the median was taken over.</summary>
    public int TimedSteps { get; init; }

    /// <summary>Gets the wall-clock seconds of the whole run: training, validation and the final evaluation.</summary>
    public double TotalSeconds { get; init; }

    /// <summary>Gets the run's output folder, or <see langword="null"/>.</summary>
    public string? OutputDirectory { get; init; }
}
