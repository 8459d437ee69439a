namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>A training-mode dropout that the trainer feeds with a mask drawn from the run's seed.</summary>
/// <param name="InputName">The graph input that takes the mask, [N, sample shape...].</param>
/// <param name="Probability">The probability of dropping an element.</param>
/// <param name="SampleShape">The shape of one sample's mask (the dropped tensor without its batch axis).</param>
internal sealed record DropoutMask(string InputName, float Probability, long[] SampleShape)
{
    /// <summary>Gets the number of mask elements per sample.</summary>
    public long SampleSize => SampleShape.Aggregate(1L, (a, d) => a * d);
}
