namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Options of GradVac (Wang et al., 2021, "Gradient Vaccine").</summary>
public sealed class GradVacOptions
{
    /// <summary>
    /// Gets or sets the rate of the exponential moving average of the pairwise cosine targets. The default is 0.5,
    /// LibMTL's value.
    /// </summary>
    public double Beta { get; set; } = 0.5;

    /// <summary>Gets or sets the seed of the random visiting order. The default is 0.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the visiting order is shuffled. The default is <see langword="true"/>.
    /// </summary>
    public bool Shuffle { get; set; } = true;
}
