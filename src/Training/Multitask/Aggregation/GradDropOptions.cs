namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Options of GradDrop (Chen et al., 2020, "Just Pick a Sign").</summary>
public sealed class GradDropOptions
{
    /// <summary>
    /// Gets or sets the share of each task gradient that always passes, whatever the mask: 0 is the paper's
    /// GradDrop, 1 the plain sum. The default is 0.
    /// </summary>
    public double Leak { get; set; }

    /// <summary>Gets or sets the seed of the random thresholds. The default is 0.</summary>
    public int Seed { get; set; }
}
