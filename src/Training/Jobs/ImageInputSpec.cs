namespace MtlOnnx.Training.Jobs;

/// <summary>The size and normalisation of image inputs.</summary>
public sealed class ImageInputSpec
{
    /// <summary>Gets the width in pixels the model sees. The default is 32.</summary>
    public int Width { get; init; } = 32;

    /// <summary>Gets the height in pixels the model sees. The default is 32.</summary>
    public int Height { get; init; } = 32;

    /// <summary>Gets the number of channels: 1 (grey) or 3 (RGB). The default is 1.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Gets the per-channel mean subtracted after scaling pixels to [0, 1]. The default is 0.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0f];

    /// <summary>Gets the per-channel standard deviation divided by after the mean. The default is 1.</summary>
    public IReadOnlyList<float> Std { get; init; } = [1f];
}
