using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards;

/// <summary>
/// What a model input carries, and so which preprocessing the server applies to a raw request.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<InputKind>))]
public enum InputKind
{
    /// <summary>An image, decoded and normalised as <see cref="ImageSpec"/> describes.</summary>
    [JsonStringEnumMemberName("image")]
    Image,

    /// <summary>Text, tokenized as <see cref="TextSpec"/> describes.</summary>
    [JsonStringEnumMemberName("text")]
    Text,

    /// <summary>A tensor that the caller supplies as it is.</summary>
    [JsonStringEnumMemberName("tensor")]
    Tensor,
}
