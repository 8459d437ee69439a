namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Options of Nash-MTL (Navon et al., 2022, "Multi-Task Learning as a Bargaining Game").</summary>
public sealed class NashMtlOptions
{
    /// <summary>
    /// Gets or sets the largest norm of the update; a larger update is scaled down to it, as the official code clips
    /// the shared gradient. 0 disables the clip. The default is 1.0.
    /// </summary>
    public double MaxNorm { get; set; } = 1.0;

    /// <summary>
    /// Gets or sets a value indicating whether the Gram matrix is divided by its Frobenius norm before solving, as the
    /// official code does (the weights then scale with √|G|_F). <see langword="false"/> solves the paper's condition
    /// <c>G α = 1/α</c> on the raw Gram matrix. The default is <see langword="true"/>.
    /// </summary>
    public bool NormalizeGram { get; set; } = true;

    /// <summary>
    /// Gets or sets how many steps the weights are reused before they are solved again. The default is 1 (every step).
    /// </summary>
    public int UpdateWeightsEvery { get; set; } = 1;
}
