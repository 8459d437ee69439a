using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards.Internal;

/// <summary>
/// The source-generated serializer of the model card. Unknown members are errors, so that a misspelt key in a
/// hand-edited card fails loudly instead of silently taking a default.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    Converters = [typeof(DimJsonConverter), typeof(ElementTypeJsonConverter)])]
[JsonSerializable(typeof(ModelCard))]
internal sealed partial class ModelCardJsonContext : JsonSerializerContext;
