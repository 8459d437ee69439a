using System.Text.Json.Serialization;

namespace MtlOnnx.ModelCards;

/// <summary>
/// The kind of a task head, which fixes its loss, its metrics and how its output is read.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskKind>))]
public enum TaskKind
{
    /// <summary>One label out of several; the output holds one logit per label.</summary>
    [JsonStringEnumMemberName("multiclass")]
    Multiclass,

    /// <summary>Any subset of the labels; the output holds one logit per label.</summary>
    [JsonStringEnumMemberName("multilabel")]
    Multilabel,

    /// <summary>Yes or no; the output holds one logit.</summary>
    [JsonStringEnumMemberName("binary")]
    Binary,

    /// <summary>One or more real values, predicted in standardised units.</summary>
    [JsonStringEnumMemberName("regression")]
    Regression,
}
