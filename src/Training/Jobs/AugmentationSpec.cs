namespace MtlOnnx.Training.Jobs;

/// <summary>Seeded training-time image augmentation. Everything is off by default.</summary>
public sealed class AugmentationSpec
{
    /// <summary>Gets the smallest fraction of the image area a random resized crop keeps, or 1 for no crop.</summary>
    public double CropScaleMin { get; init; } = 1.0;

    /// <summary>Gets the largest fraction of the image area a random resized crop keeps. The default is 1.</summary>
    public double CropScaleMax { get; init; } = 1.0;

    /// <summary>Gets the probability of a horizontal flip. The default is 0.</summary>
    public double HorizontalFlip { get; init; }

    /// <summary>Gets the brightness jitter: a factor drawn from [1 - b, 1 + b]. The default is 0.</summary>
    public double Brightness { get; init; }

    /// <summary>Gets the contrast jitter: a factor drawn from [1 - c, 1 + c]. The default is 0.</summary>
    public double Contrast { get; init; }

    /// <summary>Gets the saturation jitter: a factor drawn from [1 - s, 1 + s]. The default is 0.</summary>
    public double Saturation { get; init; }

    /// <summary>Gets whether any augmentation is enabled.</summary>
    public bool IsEnabled =>
        CropScaleMin < 1.0 || HorizontalFlip > 0 || Brightness > 0 || Contrast > 0 || Saturation > 0;
}
