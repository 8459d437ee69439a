using System.Text.Json;
using System.Text.Json.Serialization;

namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Reads and writes an <see cref="OptimizerSpec"/> as JSON, for the optimizer graph's metadata and checkpoints.
/// </summary>
public static class OptimizerSpecJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Writes a specification as compact JSON.</summary>
    /// <param name="spec">The specification.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(OptimizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var document = new SpecDocument
        {
            Kind = spec.Kind,
            LearningRate = spec.LearningRate,
            Momentum = spec.Momentum,
            Dampening = spec.Dampening,
            Nesterov = spec.Nesterov,
            Beta1 = spec.Beta1,
            Beta2 = spec.Beta2,
            Epsilon = spec.Epsilon,
            WeightDecay = spec.WeightDecay,
            MaxGradientNorm = spec.MaxGradientNorm,
            ExcludeRankOneFromWeightDecay = spec.ExcludeRankOneFromWeightDecay,
            Groups = spec.Groups.Select(g => new GroupDocument
            {
                Name = g.Name,
                Parameters = [.. g.Parameters],
                LearningRate = g.LearningRate,
                WeightDecay = g.WeightDecay,
            }).ToList(),
        };

        return JsonSerializer.Serialize(document, s_options);
    }

    /// <summary>Reads a specification written by <see cref="Serialize"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The specification.</returns>
    /// <exception cref="FormatException">The text is not a valid optimizer specification.</exception>
    public static OptimizerSpec Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SpecDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<SpecDocument>(json, s_options);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The optimizer specification is not valid JSON: {ex.Message}", ex);
        }

        if (document is null)
        {
            throw new FormatException("The optimizer specification is empty.");
        }

        return new OptimizerSpec
        {
            Kind = document.Kind,
            LearningRate = document.LearningRate,
            Momentum = document.Momentum,
            Dampening = document.Dampening,
            Nesterov = document.Nesterov,
            Beta1 = document.Beta1,
            Beta2 = document.Beta2,
            Epsilon = document.Epsilon,
            WeightDecay = document.WeightDecay,
            MaxGradientNorm = document.MaxGradientNorm,
            ExcludeRankOneFromWeightDecay = document.ExcludeRankOneFromWeightDecay,
            Groups = (document.Groups ?? []).Select(g => new ParameterGroup
            {
                Name = g.Name ?? string.Empty,
                Parameters = g.Parameters ?? [],
                LearningRate = g.LearningRate,
                WeightDecay = g.WeightDecay,
            }).ToList(),
        };
    }

    private sealed class SpecDocument
    {
        public OptimizerKind Kind { get; set; }

        public float LearningRate { get; set; }

        public float Momentum { get; set; }

        public float Dampening { get; set; }

        public bool Nesterov { get; set; }

        public float Beta1 { get; set; }

        public float Beta2 { get; set; }

        public float Epsilon { get; set; }

        public float WeightDecay { get; set; }

        public float? MaxGradientNorm { get; set; }

        public bool ExcludeRankOneFromWeightDecay { get; set; }

        public List<GroupDocument>? Groups { get; set; }
    }

    private sealed class GroupDocument
    {
        public string? Name { get; set; }

        public List<string>? Parameters { get; set; }

        public float? LearningRate { get; set; }

        public float? WeightDecay { get; set; }
    }
}
