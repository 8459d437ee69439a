namespace MtlOnnx.Training.Jobs;

/// <summary>The kind of the model's input.</summary>
public enum InputKind
{
    /// <summary>An image, fed as a float tensor [N, C, H, W].</summary>
    Image,

    /// <summary>Text, fed as token ids and an attention mask, both int64 [N, L].</summary>
    Text,

    /// <summary>A plain feature vector, fed as a float tensor [N, D].</summary>
    Vector,
}
