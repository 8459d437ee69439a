using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace MtlOnnx.Training.Checkpoints.Internal;

/// <summary>
/// Writes and reads the safetensors format: an 8-byte little-endian header length, a UTF-8 JSON header that maps
/// each tensor name to its <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> (begin and end within the data
/// section) plus an optional <c>__metadata__</c> map of strings, then the data section with the tensors packed
/// one after another.
/// </summary>
internal static class SafeTensors
{
    public const string MetadataKey = "__metadata__";
    public const string HashKey = "data_sha256";

    // The reference implementation refuses headers above 100 MB; a larger value means a corrupt length field.
    private const long MaxHeaderLength = 100_000_000;

    private static readonly Dictionary<string, int> s_sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    public static void Write(Stream stream, IReadOnlyList<CheckpointTensor> tensors, IDictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Checkpoints are written on little-endian machines only.");
        }

        // The header precedes the data and carries the data's hash, so the data is hashed first.
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            foreach (var tensor in tensors)
            {
                hash.AppendData(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
            }

            metadata[HashKey] = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            foreach (var (key, value) in metadata)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in tensors)
            {
                var bytes = (long)tensor.Data.Length * sizeof(float);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        // Spaces pad the header so that the data section starts 8-byte aligned, as the format recommends.
        var padding = (int)((8 - (header.Length % 8)) % 8);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.Length + padding));
        stream.Write(length);
        header.Position = 0;
        header.CopyTo(stream);
        for (var i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (var tensor in tensors)
        {
            stream.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        }
    }

    public static (List<SafeTensorsEntry> Entries, Dictionary<string, string> Metadata, ReadOnlyMemory<byte> Data) Read(
        byte[] file,
        string path)
    {
        if (file.Length < 8)
        {
            throw Format(path, $"the file is {file.Length} bytes long, shorter than the 8-byte header length that " +
                "starts every safetensors file; it is truncated or not a checkpoint");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderLength)
        {
            throw Format(path, $"the header length field says {headerLength} bytes, more than the format allows " +
                $"({MaxHeaderLength}); the file is corrupt or not a checkpoint");
        }

        if ((long)headerLength > file.Length - 8)
        {
            throw Format(path, $"the file is truncated: the header declares {headerLength} bytes, but only " +
                $"{file.Length - 8} bytes follow the length field");
        }

        var data = file.AsMemory(8 + (int)headerLength);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        }
        catch (JsonException ex)
        {
            throw Format(path, $"the header is not valid JSON ({ex.Message}); the file is corrupt", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Format(path, $"the header is a JSON {document.RootElement.ValueKind}, expected an object");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, path);
                    continue;
                }

                entries.Add(ReadEntry(property.Name, property.Value, path));
            }

            CheckLayout(entries, data.Length, path);
            CheckHash(metadata, data.Span, path);
            return (entries, metadata, data);
        }
    }

    public static float[] ReadFloats(ReadOnlySpan<byte> data, SafeTensorsEntry entry) =>
        MemoryMarshal.Cast<byte, float>(data[(int)entry.Begin..(int)entry.End]).ToArray();

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Format(path, $"'{MetadataKey}' is a JSON {element.ValueKind}, expected an object of strings");
        }

        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Format(path, $"metadata entry '{item.Name}' is a JSON {item.Value.ValueKind}, expected a string");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafeTensorsEntry ReadEntry(string name, JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Format(path, $"tensor '{name}' is described by a JSON {element.ValueKind}, expected an object");
        }

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Format(path, $"tensor '{name}' has no 'dtype' string");
        }

        var dtype = dtypeElement.GetString()!;
        if (!s_sizes.TryGetValue(dtype, out var size))
        {
            throw Format(path, $"tensor '{name}' has dtype '{dtype}', which the safetensors format does not define");
        }

        var shape = ReadIntegers(element, "shape", name, path);
        var offsets = ReadIntegers(element, "data_offsets", name, path);
        if (offsets.Length != 2 || offsets[0] > offsets[1])
        {
            throw Format(path, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}], expected " +
                "[begin, end] with begin not after end");
        }

        long count = 1;
        foreach (var dim in shape)
        {
            count = checked(count * dim);
        }

        var expected = count * size;
        if (offsets[1] - offsets[0] != expected)
        {
            throw Format(path, $"tensor '{name}' ({dtype}, shape [{string.Join(", ", shape)}]) needs {expected} " +
                $"bytes, but its data_offsets [{offsets[0]}, {offsets[1]}) span {offsets[1] - offsets[0]}");
        }

        return new SafeTensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement element, string field, string tensor, string path)
    {
        if (!element.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Format(path, $"tensor '{tensor}' has no '{field}' array");
        }

        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw Format(path, $"tensor '{tensor}' has '{field}' entry {item}, expected a non-negative integer");
            }

            values[i++] = value;
        }

        return values;
    }

    private static void CheckLayout(List<SafeTensorsEntry> entries, long dataLength, string path)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long end = 0;
        string? previous = null;
        foreach (var entry in entries)
        {
            if (entry.End > dataLength)
            {
                throw Format(path, $"the file is truncated: tensor '{entry.Name}' needs bytes " +
                    $"[{entry.Begin}, {entry.End}) of the data section, which has only {dataLength} bytes");
            }

            if (entry.Begin != end)
            {
                throw Format(path, previous is null
                    ? $"the first tensor, '{entry.Name}', begins at byte {entry.Begin} of the data section, expected 0"
                    : $"tensors '{previous}' and '{entry.Name}' overlap or leave a gap: '{previous}' ends at byte " +
                      $"{end} of the data section and '{entry.Name}' begins at byte {entry.Begin}");
            }

            end = entry.End;
            previous = entry.Name;
        }

        if (end != dataLength)
        {
            throw Format(path, $"the data section has {dataLength} bytes, but the tensors cover {end}; " +
                "the file is corrupt");
        }
    }

    private static void CheckHash(Dictionary<string, string> metadata, ReadOnlySpan<byte> data, string path)
    {
        // Files written by other tools carry no hash; ours always do.
        if (!metadata.TryGetValue(HashKey, out var expected))
        {
            return;
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(data));
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw Format(path, $"the tensor data does not match the SHA-256 recorded in the header (recorded " +
                $"{expected[..Math.Min(12, expected.Length)]}..., computed {actual[..12]}...); the file is corrupt");
        }
    }

    private static CheckpointFormatException Format(string path, string problem, Exception? inner = null)
    {
        var message = $"Checkpoint '{path}' cannot be read: {problem}.";
        return inner is null ? new CheckpointFormatException(message) : new CheckpointFormatException(message, inner);
    }
}
