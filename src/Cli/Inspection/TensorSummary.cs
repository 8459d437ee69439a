using MtlOnnx.Onnx;

namespace MtlOnnx.Cli.Inspection;

/// <summary>A graph input or output as <c>mtlonnx inspect</c> shows it.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="Type">The element type name, for example <c>float</c>, or a kind such as <c>sequence</c>.</param>
/// <param name="Shape">The dimensions, or <see langword="null"/> when the rank is not known.</param>
internal sealed record TensorSummary(string Name, string Type, IReadOnlyList<Dim>? Shape)
{
    /// <summary>Summarizes a value info.</summary>
    /// <param name="info">The value info.</param>
    /// <returns>The summary.</returns>
    public static TensorSummary From(ValueInfoProto info)
    {
        var type = info.Type?.ValueCase switch
        {
            TypeProto.ValueOneofCase.TensorType => ElementTypes.Name(ValueInfos.GetElementType(info)),
            TypeProto.ValueOneofCase.SequenceType => "sequence",
            TypeProto.ValueOneofCase.MapType => "map",
            TypeProto.ValueOneofCase.OptionalType => "optional",
            TypeProto.ValueOneofCase.SparseTensorType => "sparse_tensor",
            _ => "?",
        };
        return new TensorSummary(info.Name, type, ValueInfos.GetShape(info));
    }

    /// <summary>Formats the shape as <c>[batch, 3, ?]</c>, or <c>?</c> when the rank is unknown.</summary>
    /// <returns>The text.</returns>
    public string FormatShape() => Shape is null ? "?" : $"[{string.Join(", ", Shape)}]";
}
