namespace MtlOnnx.Training.Data;

/// <summary>What a data set needs to know to produce one sample: the epoch and whether to augment.</summary>
/// <param name="Seed">The job seed.</param>
/// <param name="Epoch">The epoch, so that augmentation differs between epochs but not between runs.</param>
/// <param name="Augment">Whether training-time augmentation applies.</param>
public readonly record struct SampleContext(int Seed, int Epoch, bool Augment)
{
    /// <summary>Gets the context of evaluation: no augmentation.</summary>
    public static SampleContext Evaluation => new(0, 0, false);
}
