using System.Globalization;
using System.Text;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export;

/// <summary>
/// Writes a model's <c>config.pbtxt</c> in the protobuf text format that Triton Inference Server reads: platform
/// <c>onnxruntime_onnx</c>, <c>max_batch_size</c>, and each input and output with its data type and its dimensions
/// without the batch dimension (-1 for a variable one).
/// </summary>
public static class TritonConfig
{
    /// <summary>Creates the configuration text of a model.</summary>
    /// <param name="name">The model name; it must match the model's folder.</param>
    /// <param name="model">The model; its first dimension must be the batch dimension.</param>
    /// <param name="maxBatchSize">The largest batch Triton may send.</param>
    /// <param name="labelFiles">Label file names (relative to the model folder) keyed by output name.</param>
    /// <returns>The text, with Unix line endings.</returns>
    /// <exception cref="ExportException">An input or output has a type Triton cannot carry, or no batch dimension.</exception>
    public static string Create(
        string name,
        ModelProto model,
        int maxBatchSize,
        IReadOnlyDictionary<string, string>? labelFiles = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"name: \"{Escape(name)}\"\n");
        text.Append("platform: \"onnxruntime_onnx\"\n");
        text.Append(CultureInfo.InvariantCulture, $"max_batch_size: {maxBatchSize}\n");
        AppendTensors(text, "input", model.Graph.Input, null);
        AppendTensors(text, "output", model.Graph.Output, labelFiles);
        text.Append("dynamic_batching { }\n");
        return text.ToString();
    }

    /// <summary>Gets Triton's name for an element type, such as <c>TYPE_FP32</c>.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>The Triton data type.</returns>
    /// <exception cref="ExportException">Triton has no such type.</exception>
    public static string DataType(ElementType type) => type switch
    {
        ElementType.Bool => "TYPE_BOOL",
        ElementType.UInt8 => "TYPE_UINT8",
        ElementType.UInt16 => "TYPE_UINT16",
        ElementType.UInt32 => "TYPE_UINT32",
        ElementType.UInt64 => "TYPE_UINT64",
        ElementType.Int8 => "TYPE_INT8",
        ElementType.Int16 => "TYPE_INT16",
        ElementType.Int32 => "TYPE_INT32",
        ElementType.Int64 => "TYPE_INT64",
        ElementType.Float16 => "TYPE_FP16",
        ElementType.Float => "TYPE_FP32",
        ElementType.Double => "TYPE_FP64",
        ElementType.String => "TYPE_STRING",
        ElementType.BFloat16 => "TYPE_BF16",
        _ => throw new ExportException($"Element type {ElementTypes.Name(type)} has no Triton data type."),
    };

    private static void AppendTensors(
        StringBuilder text,
        string section,
        IEnumerable<ValueInfoProto> tensors,
        IReadOnlyDictionary<string, string>? labelFiles)
    {
        var items = tensors.ToList();
        text.Append(CultureInfo.InvariantCulture, $"{section} [\n");
        for (var i = 0; i < items.Count; i++)
        {
            var tensor = items[i];
            var shape = ValueInfos.GetShape(tensor);
            if (shape is null || shape.Length == 0)
            {
                throw new ExportException(
                    $"The {section} '{tensor.Name}' has no batch dimension, which a model with max_batch_size > 0 needs.");
            }

            var dims = shape.Skip(1).Select(d => d.Value?.ToString(CultureInfo.InvariantCulture) ?? "-1");
            text.Append("  {\n");
            text.Append(CultureInfo.InvariantCulture, $"    name: \"{Escape(tensor.Name)}\"\n");
            text.Append(CultureInfo.InvariantCulture, $"    data_type: {DataType(ValueInfos.GetElementType(tensor))}\n");
            if (shape.Length == 1)
            {
                // Triton needs at least one dimension besides the batch: a [batch] tensor is [batch, 1] reshaped.
                text.Append("    dims: [ 1 ]\n    reshape: { shape: [ ] }\n");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"    dims: [ {string.Join(", ", dims)} ]\n");
            }
            if (labelFiles is not null && labelFiles.TryGetValue(tensor.Name, out var labels))
            {
                text.Append(CultureInfo.InvariantCulture, $"    label_filename: \"{Escape(labels)}\"\n");
            }

            text.Append(i + 1 < items.Count ? "  },\n" : "  }\n");
        }

        text.Append("]\n");
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
