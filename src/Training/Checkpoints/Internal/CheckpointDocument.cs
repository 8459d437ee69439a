using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MtlOnnx.Training.Schedulers;

namespace MtlOnnx.Training.Checkpoints.Internal;

/// <summary>The JSON part of a checkpoint, stored in the safetensors metadata under <see cref="Key"/>.</summary>
internal sealed class CheckpointDocument
{
    public const string Key = "mtlonnx.checkpoint";
    public const string FormatName = "mtlonnx-checkpoint";

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string Format { get; set; } = FormatName;

    public int Version { get; set; }

    public long Step { get; set; }

    public float LearningRate { get; set; }

    public bool LearningRateIsConstant { get; set; }

    public SchedulerState? Scheduler { get; set; }

    public List<string>? RandomState { get; set; }

    public string? MethodState { get; set; }

    public JsonNode? Optimizer { get; set; }

    public PropertyDocument Properties { get; set; } = new();

    public Dictionary<string, CheckpointTensorRole> Tensors { get; set; } = [];
}

/// <summary>The user properties, one map per type, as ONNX Runtime's property bag keeps them.</summary>
internal sealed class PropertyDocument
{
    public SortedDictionary<string, long> Ints { get; set; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, float> Floats { get; set; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Strings { get; set; } = new(StringComparer.Ordinal);
}
