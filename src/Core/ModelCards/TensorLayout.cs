using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards;

/// <summary>
/// The memory layout of an image tensor.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TensorLayout>))]
public enum TensorLayout
{
    /// <summary>Batch, channel, height, width: the layout of ONNX's <c>Conv</c>.</summary>
    [JsonStringEnumMemberName("nchw")]
    Nchw,
}
