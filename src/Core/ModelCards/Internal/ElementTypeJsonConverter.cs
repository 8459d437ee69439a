using System.Text.Json;
using System.Text.Json.Serialization;
using MtlOnnx.Onnx;

namespace MtlOnnx.ModelCards.Internal;

/// <summary>
/// Writes an <see cref="ElementType"/> by its ONNX name (<c>float</c>, <c>int64</c>), which other languages can
/// read without knowing our enum.
/// </summary>
internal sealed class ElementTypeJsonConverter : JsonConverter<ElementType>
{
    public override ElementType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            var name = reader.GetString();
            foreach (var type in Enum.GetValues<ElementType>())
            {
                if (type != ElementType.Undefined && ElementTypes.Name(type) == name)
                {
                    return type;
                }
            }
        }

        throw new JsonException("An element type must be an ONNX type name such as \"float\" or \"int64\".");
    }

    public override void Write(Utf8JsonWriter writer, ElementType value, JsonSerializerOptions options) =>
        writer.WriteStringValue(ElementTypes.Name(value));
}
