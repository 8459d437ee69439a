using System.Text.Json;
using System.Text.Json.Serialization;
using MtlOnnx.Onnx;

namespace MtlOnnx.ModelCards.Internal;

/// <summary>
/// Writes a <see cref="Dim"/> as ONNX tools print shapes: a number when fixed, a string when symbolic, null when
/// unknown, so that <c>["batch", 3, 224, 224]</c> reads as it would in Netron or Triton.
/// </summary>
internal sealed class DimJsonConverter : JsonConverter<Dim>
{
    public override bool HandleNull => true;

    public override Dim Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetInt64(out var value) && value >= 0:
                return Dim.Fixed(value);

            case JsonTokenType.String when reader.GetString() is { Length: > 0 } name:
                return Dim.Symbol(name);

            case JsonTokenType.Null:
                return Dim.Unknown;

            default:
                throw new JsonException(
                    "A dimension must be a non-negative integer, a non-empty symbol such as \"batch\", or null.");
        }
    }

    public override void Write(Utf8JsonWriter writer, Dim value, JsonSerializerOptions options)
    {
        if (value.Value is { } size)
        {
            writer.WriteNumberValue(size);
        }
        else if (value.Param is { } name)
        {
            writer.WriteStringValue(name);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
