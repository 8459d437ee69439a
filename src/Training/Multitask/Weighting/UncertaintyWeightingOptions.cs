namespace MtlOnnx.Training.Multitask.Weighting;

/// <summary>Options of uncertainty weighting (Kendall et al., 2018).</summary>
public sealed class UncertaintyWeightingOptions
{
    /// <summary>Gets or sets the initial log-variance s of every task. The default is −0.5, LibMTL's value.</summary>
    public double InitialLogVariance { get; set; } = -0.5;

    /// <summary>
    /// Gets or sets the Adam learning rate of the log-variances. The default is 1e-3; in LibMTL they share the model's
    /// optimizer, so a job file usually sets this to the model's learning rate.
    /// </summary>
    public double LearningRate { get; set; } = 1e-3;
}
