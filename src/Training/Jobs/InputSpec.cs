namespace MtlOnnx.Training.Jobs;

/// <summary>The model's input and its preprocessing.</summary>
public sealed class InputSpec
{
    /// <summary>Gets the input kind. The default is <see cref="InputKind.Image"/>.</summary>
    public InputKind Kind { get; init; } = InputKind.Image;

    /// <summary>Gets the image options; used when <see cref="Kind"/> is <see cref="InputKind.Image"/>.</summary>
    public ImageInputSpec Image { get; init; } = new();

    /// <summary>Gets the text options; used when <see cref="Kind"/> is <see cref="InputKind.Text"/>.</summary>
    public TextInputSpec Text { get; init; } = new();

    /// <summary>Gets the vector length; used when <see cref="Kind"/> is <see cref="InputKind.Vector"/>.</summary>
    public int VectorSize { get; init; }

    /// <summary>Gets the training-time augmentation of images.</summary>
    public AugmentationSpec Augmentation { get; init; } = new();
}
