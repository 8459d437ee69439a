namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// Walks the top-level fields of a serialized <c>ModelProto</c> before the protobuf parser sees it, so that a
/// truncated model and a file that is not ONNX at all get different, specific messages. Allocates nothing.
/// </summary>
internal static class ModelFileScanner
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    // Field numbers above this are neither in ModelProto nor plausible future additions to it.
    private const int HighestPlausibleField = 64;

    /// <summary>Checks the top-level structure of a model file.</summary>
    /// <param name="bytes">The file's content.</param>
    /// <param name="source">The file name for messages.</param>
    /// <returns>The IR version the file declares.</returns>
    /// <exception cref="ModelFormatException">The file is empty, truncated or not an ONNX model.</exception>
    public static long Scan(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.IsEmpty)
        {
            throw new ModelFormatException($"'{source}' is empty; an ONNX model file holds at least an IR version.");
        }

        long? irVersion = null;
        var startsLikeModel = bytes[0] == 0x08;
        var position = 0;
        while (position < bytes.Length)
        {
            var fieldStart = position;
            if (!TryReadVarint(bytes, ref position, out var tag))
            {
                throw position < bytes.Length
                    ? NotOnnx(source, $"byte {fieldStart} starts an overlong varint")
                    : Broken(source, irVersion, fieldStart, "a field tag", startsLikeModel);
            }

            var field = (long)(tag >> 3);
            var wire = (int)(tag & 7);
            var name = FieldName(field);
            if (field == 0 || field > HighestPlausibleField || !IsValidWireType(wire)
                || (name is not null && ExpectedWireType(field) != wire))
            {
                throw NotOnnx(
                    source, $"byte {fieldStart} starts no field of an ONNX model (field {field}, wire type {wire})");
            }

            switch (wire)
            {
                case WireVarint:
                    if (!TryReadVarint(bytes, ref position, out var value))
                    {
                        var what = $"field '{name ?? field.ToString(Culture)}'";
                        throw Broken(source, irVersion, fieldStart, what, startsLikeModel);
                    }

                    if (field == 1)
                    {
                        irVersion = (long)value;
                    }

                    break;

                case WireFixed64:
                case WireFixed32:
                    var size = wire == WireFixed64 ? 8 : 4;
                    if (bytes.Length - position < size)
                    {
                        throw Broken(source, irVersion, fieldStart, $"field {field}", startsLikeModel);
                    }

                    position += size;
                    break;

                default:
                    if (!TryReadVarint(bytes, ref position, out var length))
                    {
                        var what = $"the length of field '{name ?? field.ToString(Culture)}'";
                        throw Broken(source, irVersion, fieldStart, what, startsLikeModel);
                    }

                    var remaining = (ulong)(bytes.Length - position);
                    if (length > remaining)
                    {
                        if (irVersion is not null && name is not null)
                        {
                            throw new ModelFormatException(
                                $"'{source}' is truncated: its field '{name}' at byte {fieldStart} declares {length} " +
                                $"bytes, but only {remaining} bytes follow.");
                        }

                        throw NotOnnx(
                            source, $"the field at byte {fieldStart} declares {length} bytes, more than the file holds");
                    }

                    position += (int)length;
                    break;
            }
        }

        return irVersion ?? throw NotOnnx(source, "it declares no IR version");
    }

    private static System.Globalization.CultureInfo Culture => System.Globalization.CultureInfo.InvariantCulture;

    private static ModelFormatException NotOnnx(string source, string detail) =>
        new($"'{source}' is not an ONNX model: {detail}.");

    // A file cut short before its IR version still starts with the ir_version tag (0x08) that every ONNX
    // serializer writes first; anything else that breaks off that early is not taken for a model.
    private static ModelFormatException Broken(
        string source, long? irVersion, int offset, string what, bool startsLikeModel) =>
        irVersion is null && !startsLikeModel
            ? NotOnnx(source, $"{what} at byte {offset} is cut off or malformed")
            : new ModelFormatException($"'{source}' is truncated: it ends inside {what} that starts at byte {offset}.");

    private static bool IsValidWireType(int wire) =>
        wire is WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32;

    private static int ExpectedWireType(long field) => field is 1 or 5 ? WireVarint : WireLengthDelimited;

    private static string? FieldName(long field) => field switch
    {
        1 => "ir_version",
        2 => "producer_name",
        3 => "producer_version",
        4 => "domain",
        5 => "model_version",
        6 => "doc_string",
        7 => "graph",
        8 => "opset_import",
        14 => "metadata_props",
        20 => "training_info",
        25 => "functions",
        _ => null,
    };

    private static bool TryReadVarint(ReadOnlySpan<byte> bytes, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                return false;
            }

            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        // More than ten bytes: no valid varint is that long, so treat it as unreadable.
        return false;
    }
}
