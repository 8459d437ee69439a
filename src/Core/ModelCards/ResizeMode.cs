using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards;

/// <summary>
/// How an image is brought to the model's input size.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeMode>))]
public enum ResizeMode
{
    /// <summary>
    /// Resizes so that the shorter side equals <see cref="ImageSpec.ResizeShorterSide"/>, keeping the aspect
    /// ratio, then crops the centre to the input size (torchvision's <c>Resize</c> then <c>CenterCrop</c>).
    /// </summary>
    [JsonStringEnumMemberName("shorter_side_center_crop")]
    ShorterSideCenterCrop,

    /// <summary>Resizes both sides to the input size, ignoring the aspect ratio.</summary>
    [JsonStringEnumMemberName("stretch")]
    Stretch,
}
