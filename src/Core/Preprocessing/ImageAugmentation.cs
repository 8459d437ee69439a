namespace MtlOnnx.Preprocessing;

/// <summary>
/// Random changes applied to training images, drawn from a per-sample seed so that a run replays exactly.
/// Colour jitter is applied in a fixed order: brightness, contrast, saturation.
/// </summary>
public sealed class ImageAugmentation
{
    /// <summary>Gets an augmentation that changes nothing.</summary>
    public static ImageAugmentation None { get; } = new();

    /// <summary>
    /// Gets or sets whether a random part of the image is cropped and resized to the input size, replacing the
    /// card's resize. The default is <see langword="false"/>.
    /// </summary>
    public bool RandomResizedCrop { get; init; }

    /// <summary>Gets or sets the smallest fraction of the image's area that a random crop keeps. The default is
    /// 0.08.</summary>
    public double MinCropScale { get; init; } = 0.08;

    /// <summary>Gets or sets the largest fraction of the image's area that a random crop keeps. The default is 1.
    /// </summary>
    public double MaxCropScale { get; init; } = 1.0;

    /// <summary>Gets or sets the smallest width-to-height ratio of a random crop. The default is 3/4.</summary>
    public double MinCropRatio { get; init; } = 3.0 / 4.0;

    /// <summary>Gets or sets the largest width-to-height ratio of a random crop. The default is 4/3.</summary>
    public double MaxCropRatio { get; init; } = 4.0 / 3.0;

    /// <summary>Gets or sets the probability of a horizontal flip. The default is 0.</summary>
    public double HorizontalFlipProbability { get; init; }

    /// <summary>
    /// Gets or sets the brightness jitter: each image's values are multiplied by a factor drawn from
    /// [1 - b, 1 + b]. The default, 0, leaves brightness as it is.
    /// </summary>
    public double Brightness { get; init; }

    /// <summary>
    /// Gets or sets the contrast jitter: each image is blended with its mean grey by a factor drawn from
    /// [1 - c, 1 + c]. The default, 0, leaves contrast as it is.
    /// </summary>
    public double Contrast { get; init; }

    /// <summary>
    /// Gets or sets the saturation jitter: each pixel is blended with its grey value by a factor drawn from
    /// [1 - s, 1 + s]. The default, 0, leaves saturation as it is.
    /// </summary>
    public double Saturation { get; init; }

    /// <summary>Gets whether any colour jitter is enabled.</summary>
    public bool HasColorJitter => Brightness > 0 || Contrast > 0 || Saturation > 0;

    /// <summary>
    /// Derives the seed of one sample's augmentation from the run's seed, the epoch and the sample's index, so that
    /// the result does not depend on which loader thread handles the sample or in which order.
    /// </summary>
    /// <param name="runSeed">The job's seed.</param>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="sampleIndex">The sample's index in the dataset.</param>
    /// <returns>The sample's seed.</returns>
    public static ulong SampleSeed(ulong runSeed, int epoch, long sampleIndex)
    {
        var rng = new Internal.SplitMix64(runSeed ^ ((ulong)(uint)epoch << 40) ^ (ulong)sampleIndex);
        rng.NextUInt64();
        return rng.NextUInt64();
    }

    /// <summary>Checks that the ranges are usable.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A scale, ratio, probability or jitter is out of range.
    /// </exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinCropScale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinCropScale, MaxCropScale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxCropScale, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinCropRatio);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinCropRatio, MaxCropRatio);
        ArgumentOutOfRangeException.ThrowIfNegative(HorizontalFlipProbability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HorizontalFlipProbability, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(Brightness);
        ArgumentOutOfRangeException.ThrowIfNegative(Contrast);
        ArgumentOutOfRangeException.ThrowIfNegative(Saturation);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Saturation, 1.0);
    }
}
