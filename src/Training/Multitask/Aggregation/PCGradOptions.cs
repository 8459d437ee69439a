namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Options of PCGrad (Yu et al., 2020, "Gradient Surgery for Multi-Task Learning").</summary>
public sealed class PCGradOptions
{
    /// <summary>Gets or sets the seed of the random projection order. The default is 0.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether each task visits the others in a fresh random order, as the paper
    /// prescribes. <see langword="false"/> uses the task order, which makes the result deterministic. The default is
    /// <see langword="true"/>.
    /// </summary>
    public bool Shuffle { get; set; } = true;
}
