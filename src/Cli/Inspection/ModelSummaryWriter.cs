using System.Globalization;
using System.Text.Json;
using MtlOnnx.Onnx;

namespace MtlOnnx.Cli.Inspection;

/// <summary>Writes a <see cref="ModelSummary"/> as aligned text for people or as JSON for scripts.</summary>
internal static class ModelSummaryWriter
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true };

    public static void WriteText(ModelSummary summary, TextWriter output)
    {
        output.WriteLine($"Model       {summary.File}");
        output.WriteLine($"IR version  {summary.IrVersion}");
        output.WriteLine($"Producer    {(summary.Producer.Length > 0 ? summary.Producer : "-")}");
        output.WriteLine($"Opsets      {string.Join(", ", summary.Opsets.Select(o => $"{o.Domain} {o.Version}"))}");
        output.WriteLine();
        WriteTensors(output, "Inputs", summary.Inputs);
        output.WriteLine();
        WriteTensors(output, "Outputs", summary.Outputs);
        output.WriteLine();
        output.WriteLine($"Operators ({summary.NodeCount} nodes)");
        var width = summary.Operators.Select(o => o.Operator.Length).DefaultIfEmpty(0).Max();
        foreach (var (op, count) in summary.Operators)
        {
            output.WriteLine($"  {op.PadRight(width)}  {count,5}");
        }

        output.WriteLine();
        output.WriteLine(
            $"Parameters  {summary.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} in " +
            $"{summary.InitializerCount} initializers, {FormatBytes(summary.ParameterBytes)}");
        if (summary.ConstantCount > 0)
        {
            output.WriteLine(
                $"Constants   {summary.ConstantElements.ToString("N0", CultureInfo.InvariantCulture)} elements in " +
                $"{summary.ConstantCount} Constant nodes");
        }
        if (summary.Metadata.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("Metadata");
        foreach (var (key, value) in summary.Metadata)
        {
            if (TryParseJson(value, out var document))
            {
                using (document)
                {
                    output.WriteLine($"  {key}:");
                    foreach (var line in Indented(document.RootElement).Split('\n'))
                    {
                        output.WriteLine($"    {line}");
                    }
                }
            }
            else
            {
                output.WriteLine($"  {key}: {value}");
            }
        }
    }

    public static void WriteJson(ModelSummary summary, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_indented))
        {
            json.WriteStartObject();
            json.WriteString("file", summary.File);
            json.WriteNumber("ir_version", summary.IrVersion);
            json.WriteString("producer", summary.Producer);
            json.WriteStartObject("opsets");
            foreach (var (domain, version) in summary.Opsets)
            {
                json.WriteNumber(domain, version);
            }

            json.WriteEndObject();
            WriteTensors(json, "inputs", summary.Inputs);
            WriteTensors(json, "outputs", summary.Outputs);
            json.WriteNumber("node_count", summary.NodeCount);
            json.WriteStartObject("operators");
            foreach (var (op, count) in summary.Operators)
            {
                json.WriteNumber(op, count);
            }

            json.WriteEndObject();
            json.WriteStartObject("parameters");
            json.WriteNumber("initializers", summary.InitializerCount);
            json.WriteNumber("count", summary.ParameterCount);
            json.WriteNumber("bytes", summary.ParameterBytes);
            json.WriteEndObject();
            json.WriteStartObject("constants");
            json.WriteNumber("nodes", summary.ConstantCount);
            json.WriteNumber("elements", summary.ConstantElements);
            json.WriteEndObject();
            json.WriteStartObject("metadata");
            foreach (var (key, value) in summary.Metadata)
            {
                json.WritePropertyName(key);
                if (TryParseJson(value, out var document))
                {
                    using (document)
                    {
                        document.RootElement.WriteTo(json);
                    }
                }
                else
                {
                    json.WriteStringValue(value);
                }
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteTensors(TextWriter output, string title, IReadOnlyList<TensorSummary> tensors)
    {
        output.WriteLine(title);
        var nameWidth = tensors.Select(t => t.Name.Length).DefaultIfEmpty(0).Max();
        var typeWidth = tensors.Select(t => t.Type.Length).DefaultIfEmpty(0).Max();
        foreach (var tensor in tensors)
        {
            var name = tensor.Name.PadRight(nameWidth);
            output.WriteLine($"  {name}  {tensor.Type.PadRight(typeWidth)}  {tensor.FormatShape()}");
        }
    }

    private static void WriteTensors(Utf8JsonWriter json, string name, IReadOnlyList<TensorSummary> tensors)
    {
        json.WriteStartArray(name);
        foreach (var tensor in tensors)
        {
            json.WriteStartObject();
            json.WriteString("name", tensor.Name);
            json.WriteString("type", tensor.Type);
            if (tensor.Shape is null)
            {
                json.WriteNull("shape");
            }
            else
            {
                // Fixed sizes as numbers, symbols as strings, unknown dimensions as null.
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    WriteDim(json, dim);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteDim(Utf8JsonWriter json, Dim dim)
    {
        if (dim.Value is { } value)
        {
            json.WriteNumberValue(value);
        }
        else if (dim.Param is { } param)
        {
            json.WriteStringValue(param);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static bool TryParseJson(string value, out JsonDocument document)
    {
        document = null!;
        var trimmed = value.TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return false;
        }

        try
        {
            document = JsonDocument.Parse(value);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Indented(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_indented))
        {
            element.WriteTo(json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{(bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture)} KiB",
        < 1024L * 1024 * 1024 => $"{(bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)} MiB",
        _ => $"{(bytes / 1073741824.0).ToString("F2", CultureInfo.InvariantCulture)} GiB",
    } + $" ({bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes)";
}
