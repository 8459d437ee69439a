namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Options of CAGrad (Liu et al., 2021, "Conflict-Averse Gradient Descent for Multi-task Learning").</summary>
public sealed class CAGradOptions
{
    /// <summary>
    /// Gets or sets c, the radius of the ball around the average gradient relative to its norm. The default is 0.4,
    /// the paper's value for the NYUv2 and Cityscapes experiments. c ≥ 1 guarantees an update that conflicts with no
    /// task; c = 0 is the mean.
    /// </summary>
    public double C { get; set; } = 0.4;

    /// <summary>
    /// Gets or sets the rescaling of the official code: 0 none, 1 divide by 1 + c² (the default), 2 divide by 1 + c.
    /// </summary>
    public int Rescale { get; set; } = 1;
}
