namespace MtlOnnx.ModelCards;

/// <summary>
/// How a raw image becomes an input tensor: decoded, converted to RGB (or to grey for one channel), resized,
/// scaled, normalised per channel and laid out as <see cref="Layout"/>. Each value is
/// <c>(pixel * <see cref="Scale"/> - <see cref="Mean"/>[c]) / <see cref="Std"/>[c]</c>.
/// </summary>
public sealed class ImageSpec
{
    /// <summary>Gets or sets the width of the input tensor in pixels. The default is 224.</summary>
    public int Width { get; set; } = 224;

    /// <summary>Gets or sets the height of the input tensor in pixels. The default is 224.</summary>
    public int Height { get; set; } = 224;

    /// <summary>
    /// Gets or sets how the image is brought to <see cref="Width"/> by <see cref="Height"/>. The default is
    /// <see cref="ResizeMode.ShorterSideCenterCrop"/>.
    /// </summary>
    public ResizeMode ResizeMode { get; set; } = ResizeMode.ShorterSideCenterCrop;

    /// <summary>
    /// Gets or sets the length of the shorter side after resizing and before the centre crop, for
    /// <see cref="ResizeMode.ShorterSideCenterCrop"/>. The default, <see langword="null"/>, means the larger of
    /// <see cref="Width"/> and <see cref="Height"/>, so that the crop loses as little as possible.
    /// </summary>
    public int? ResizeShorterSide { get; set; }

    /// <summary>
    /// Gets or sets the number of channels of the tensor: 3 for colour (in <see cref="ChannelOrder"/>) or 1 for grey,
    /// where each pixel becomes its 8-bit luminance as ImageSharp's <c>L8</c> computes it (ITU-R BT.709 weights; a
    /// grey image keeps its values). The default is 3. Schema version 2 added this field; a version 1 card is RGB.
    /// </summary>
    public int Channels { get; set; } = 3;

    /// <summary>Gets or sets the per-channel mean subtracted after scaling, in the tensor's channel order.
    /// The default is zero for every channel.</summary>
    public IList<float> Mean { get; set; } = [0f, 0f, 0f];

    /// <summary>Gets or sets the per-channel standard deviation divided by after the mean is subtracted, in
    /// the tensor's channel order. The default is one for every channel.</summary>
    public IList<float> Std { get; set; } = [1f, 1f, 1f];

    /// <summary>Gets or sets the channel order of a 3-channel tensor. The default is <see cref="ChannelOrder.Rgb"/>.
    /// </summary>
    public ChannelOrder ChannelOrder { get; set; } = ChannelOrder.Rgb;

    /// <summary>Gets or sets the tensor layout. The default, and the only one, is <see cref="TensorLayout.Nchw"/>.
    /// </summary>
    public TensorLayout Layout { get; set; } = TensorLayout.Nchw;

    /// <summary>Gets or sets the factor that maps 8-bit pixel values to the model's range. The default is 1/255.
    /// </summary>
    public float Scale { get; set; } = 1f / 255f;

    /// <summary>Gets the shorter side after resizing, with the default of <see cref="ResizeShorterSide"/> applied.
    /// </summary>
    /// <returns>The length in pixels.</returns>
    public int EffectiveShorterSide() => ResizeShorterSide ?? Math.Max(Width, Height);
}
