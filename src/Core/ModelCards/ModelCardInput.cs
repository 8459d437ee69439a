using MtlOnnx.Onnx;

namespace MtlOnnx.ModelCards;

/// <summary>
/// One graph input as the model card describes it: its tensor and, for images and text, its preprocessing.
/// </summary>
public sealed class ModelCardInput
{
    /// <summary>Gets or sets the graph input's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets what the input carries. The default is <see cref="InputKind.Tensor"/>.</summary>
    public InputKind Kind { get; set; } = InputKind.Tensor;

    /// <summary>Gets or sets the tensor's element type: float for images, int64 for text.</summary>
    public ElementType ElementType { get; set; } = ElementType.Float;

    /// <summary>Gets or sets the tensor's shape; the first dimension is the symbolic batch dimension.</summary>
    public IList<Dim> Shape { get; set; } = [];

    /// <summary>Gets or sets the image preprocessing; required for <see cref="InputKind.Image"/>, else absent.</summary>
    public ImageSpec? Image { get; set; }

    /// <summary>Gets or sets the text preprocessing; required for <see cref="InputKind.Text"/>, else absent.</summary>
    public TextSpec? Text { get; set; }

    /// <summary>Creates an image input of shape <c>[batch, channels, height, width]</c> in float.</summary>
    /// <param name="name">The graph input's name.</param>
    /// <param name="image">The preprocessing.</param>
    /// <returns>The input.</returns>
    public static ModelCardInput ForImage(string name, ImageSpec image)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(image);
        return new ModelCardInput
        {
            Name = name,
            Kind = InputKind.Image,
            ElementType = ElementType.Float,
            Shape = [Dim.Symbol("batch"), image.Channels, image.Height, image.Width],
            Image = image,
        };
    }

    /// <summary>Creates a text input of shape <c>[batch, max_length]</c> in int64.</summary>
    /// <param name="name">The graph input's name.</param>
    /// <param name="text">The preprocessing.</param>
    /// <returns>The input.</returns>
    public static ModelCardInput ForText(string name, TextSpec text)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(text);
        return new ModelCardInput
        {
            Name = name,
            Kind = InputKind.Text,
            ElementType = ElementType.Int64,
            Shape = [Dim.Symbol("batch"), text.MaxLength],
            Text = text,
        };
    }
}
