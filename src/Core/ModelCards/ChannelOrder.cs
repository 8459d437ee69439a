using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards;

/// <summary>
/// The order of the colour channels in an image tensor.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChannelOrder>))]
public enum ChannelOrder
{
    /// <summary>Red, green, blue: what PyTorch and most trained models expect.</summary>
    [JsonStringEnumMemberName("rgb")]
    Rgb,

    /// <summary>Blue, green, red: what OpenCV-trained models expect.</summary>
    [JsonStringEnumMemberName("bgr")]
    Bgr,
}
