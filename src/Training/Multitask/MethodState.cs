using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MtlOnnx.Training.Multitask;

/// <summary>
/// The state a multi-task method carries across steps (moving averages, learned logits, warm starts, the position of
/// its random stream), as named fields of 64-bit values, with a small versioned binary form for checkpoints.
/// </summary>
/// <remarks>
/// <para>
/// A method writes its fields with <see cref="SetDoubles"/>, <see cref="SetFloats"/> and <see cref="SetInt64s"/>
/// and reads them back with the matching <c>Read</c> methods, which check the field's kind and length and name the
/// method and the field when they do not match. Floats are kept as doubles, which round-trips them exactly.
/// </para>
/// <para>
/// Binary form (little-endian): the magic <c>MTLS</c>, the format version (16 bits), the method name and task count,
/// the number of fields, then each field as its name, its kind (1: float64, 2: int64), its length and its values;
/// the last 8 bytes are an FNV-1a hash of everything before them, so damaged bytes are detected, not loaded.
/// </para>
/// </remarks>
public sealed class MethodState
{
    /// <summary>The version of the binary form this type writes.</summary>
    public const int FormatVersion = 1;

    private const uint Magic = 0x534C_544DU; // "MTLS" read as a little-endian integer.
    private const byte DoubleKind = 1;
    private const byte Int64Kind = 2;
    private readonly Dictionary<string, (byte Kind, double[] Doubles, long[] Int64s)> _fields =
        new(StringComparer.Ordinal);

    /// <summary>Initializes an empty state for a method.</summary>
    /// <param name="method">The registry name of the method that owns the state.</param>
    /// <param name="taskCount">The number of tasks the method was created for.</param>
    /// <exception cref="ArgumentException"><paramref name="method"/> is null, empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="taskCount"/> is less than 1.</exception>
    public MethodState(string method, int taskCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        Method = method;
        TaskCount = taskCount;
    }

    /// <summary>Gets the registry name of the method that owns the state.</summary>
    public string Method { get; }

    /// <summary>Gets the number of tasks the method was created for.</summary>
    public int TaskCount { get; }

    /// <summary>Gets the names of the fields, in the order they were first set.</summary>
    public IReadOnlyCollection<string> Fields => _fields.Keys;

    /// <summary>Gets a value indicating whether a field exists.</summary>
    /// <param name="field">The field name.</param>
    /// <returns><see langword="true"/> when the field was set.</returns>
    public bool Contains(string field) => _fields.ContainsKey(field);

    /// <summary>Sets a field of doubles, replacing any field of that name.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="values">The values to copy.</param>
    /// <exception cref="ArgumentException"><paramref name="field"/> is null, empty or white space.</exception>
    public void SetDoubles(string field, ReadOnlySpan<double> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        _fields[field] = (DoubleKind, values.ToArray(), []);
    }

    /// <summary>Sets a field of floats (kept as doubles), replacing any field of that name.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="values">The values to copy.</param>
    /// <exception cref="ArgumentException"><paramref name="field"/> is null, empty or white space.</exception>
    public void SetFloats(string field, ReadOnlySpan<float> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        var doubles = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            doubles[i] = values[i];
        }

        _fields[field] = (DoubleKind, doubles, []);
    }

    /// <summary>Sets a field of 64-bit integers, replacing any field of that name.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="values">The values to copy.</param>
    /// <exception cref="ArgumentException"><paramref name="field"/> is null, empty or white space.</exception>
    public void SetInt64s(string field, ReadOnlySpan<long> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        _fields[field] = (Int64Kind, [], values.ToArray());
    }

    /// <summary>Sets a field that holds one 64-bit integer.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException"><paramref name="field"/> is null, empty or white space.</exception>
    public void SetInt64(string field, long value) => SetInt64s(field, [value]);

    /// <summary>Gets the length of a field of doubles.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The number of values.</returns>
    /// <exception cref="MethodStateException">The field is missing or does not hold doubles.</exception>
    public int LengthOfDoubles(string field) => Find(field, DoubleKind).Doubles.Length;

    /// <summary>Copies a field of doubles into a span of exactly its length.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="destination">The span to fill; its length is the expected length.</param>
    /// <exception cref="MethodStateException">
    /// The field is missing, does not hold doubles, or has another length.
    /// </exception>
    public void ReadDoubles(string field, Span<double> destination)
    {
        var values = Find(field, DoubleKind).Doubles;
        RequireLength(field, values.Length, destination.Length);
        values.CopyTo(destination);
    }

    /// <summary>Copies a field of doubles into a span of floats of exactly its length.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="destination">The span to fill; its length is the expected length.</param>
    /// <exception cref="MethodStateException">
    /// The field is missing, does not hold doubles, or has another length.
    /// </exception>
    public void ReadFloats(string field, Span<float> destination)
    {
        var values = Find(field, DoubleKind).Doubles;
        RequireLength(field, values.Length, destination.Length);
        for (var i = 0; i < values.Length; i++)
        {
            destination[i] = (float)values[i];
        }
    }

    /// <summary>Copies a field of 64-bit integers into a span of exactly its length.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="destination">The span to fill; its length is the expected length.</param>
    /// <exception cref="MethodStateException">
    /// The field is missing, does not hold integers, or has another length.
    /// </exception>
    public void ReadInt64s(string field, Span<long> destination)
    {
        var values = Find(field, Int64Kind).Int64s;
        RequireLength(field, values.Length, destination.Length);
        values.CopyTo(destination);
    }

    /// <summary>Reads a field that holds one 64-bit integer.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MethodStateException">The field is missing or does not hold exactly one integer.</exception>
    public long ReadInt64(string field)
    {
        Span<long> value = stackalloc long[1];
        ReadInt64s(field, value);
        return value[0];
    }

    /// <summary>Reads a field that holds one 64-bit integer that must fit a non-negative 32-bit integer.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MethodStateException">The field is missing, or its value is negative or too large.</exception>
    public int ReadCount(string field)
    {
        var value = ReadInt64(field);
        if (value is < 0 or > int.MaxValue)
        {
            throw new MethodStateException(
                $"The saved state of method '{Method}' has the field '{field}' = {value}, which is not a valid count.");
        }

        return (int)value;
    }

    /// <summary>Checks that the state belongs to a method of this name and task count.</summary>
    /// <param name="method">The expected registry name.</param>
    /// <param name="taskCount">The expected number of tasks.</param>
    /// <exception cref="MethodStateException">
    /// The state was saved by another method or for another task count.
    /// </exception>
    public void RequireOwner(string method, int taskCount)
    {
        if (!string.Equals(Method, method, StringComparison.Ordinal))
        {
            throw new MethodStateException(
                $"The saved method state belongs to method '{Method}', but it is being loaded into method " +
                $"'{method}'; resume with the method the run was started with.");
        }

        if (TaskCount != taskCount)
        {
            throw new MethodStateException(
                $"The saved state of method '{Method}' was written for {TaskCount} tasks, but the method has " +
                $"{taskCount} tasks.");
        }
    }

    /// <summary>Writes the state in its binary form.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write((ushort)FormatVersion);
            writer.Write(Method);
            writer.Write(TaskCount);
            writer.Write(_fields.Count);
            foreach (var (name, (kind, doubles, longs)) in _fields)
            {
                writer.Write(name);
                writer.Write(kind);
                writer.Write(kind == DoubleKind ? doubles.Length : longs.Length);
                foreach (var value in doubles)
                {
                    writer.Write(value);
                }

                foreach (var value in longs)
                {
                    writer.Write(value);
                }
            }
        }

        var body = stream.ToArray();
        var result = new byte[body.Length + sizeof(ulong)];
        body.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(body.Length), Hash(body));
        return result;
    }

    /// <summary>Reads a state from its binary form.</summary>
    /// <param name="bytes">The bytes <see cref="ToBytes"/> wrote.</param>
    /// <returns>The state.</returns>
    /// <exception cref="MethodStateException">
    /// The bytes are not a method state, are damaged or truncated, or were written by a newer format version.
    /// </exception>
    public static MethodState FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4 + 2 + sizeof(ulong) || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw new MethodStateException(
                $"The saved method state ({bytes.Length} bytes) does not start with the method-state marker; " +
                "it was written by another version of MtlOnnx or is damaged.");
        }

        var body = bytes[..^sizeof(ulong)];
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^sizeof(ulong)..]);
        if (stored != Hash(body))
        {
            throw new MethodStateException(
                $"The saved method state ({bytes.Length} bytes) fails its checksum; the checkpoint is damaged.");
        }

        using var stream = new MemoryStream(body.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            reader.ReadUInt32();
            int version = reader.ReadUInt16();
            if (version != FormatVersion)
            {
                throw new MethodStateException(
                    $"The saved method state has format version {version}; this version of MtlOnnx reads version " +
                    $"{FormatVersion}.");
            }

            var method = reader.ReadString();
            var taskCount = reader.ReadInt32();
            if (string.IsNullOrWhiteSpace(method) || taskCount < 1)
            {
                throw new MethodStateException(
                    $"The saved method state names method '{method}' with {taskCount} tasks; the checkpoint is " +
                    "damaged.");
            }

            var state = new MethodState(method, taskCount);
            var count = reader.ReadInt32();
            for (var f = 0; f < count; f++)
            {
                var name = reader.ReadString();
                var kind = reader.ReadByte();
                var length = reader.ReadInt32();
                if (length < 0 || (long)length * sizeof(long) > stream.Length - stream.Position)
                {
                    throw new MethodStateException(
                        $"The saved state of method '{method}' gives field '{name}' {length} values, more than the " +
                        "bytes hold; the checkpoint is damaged.");
                }

                switch (kind)
                {
                    case DoubleKind:
                        var doubles = new double[length];
                        for (var i = 0; i < length; i++)
                        {
                            doubles[i] = reader.ReadDouble();
                        }

                        state.SetDoubles(name, doubles);
                        break;
                    case Int64Kind:
                        var longs = new long[length];
                        for (var i = 0; i < length; i++)
                        {
                            longs[i] = reader.ReadInt64();
                        }

                        state.SetInt64s(name, longs);
                        break;
                    default:
                        throw new MethodStateException(
                            $"The saved state of method '{method}' gives field '{name}' the unknown kind {kind}; " +
                            "the checkpoint is damaged.");
                }
            }

            if (stream.Position != stream.Length)
            {
                throw new MethodStateException(
                    $"The saved state of method '{method}' has {stream.Length - stream.Position} bytes after its " +
                    "last field; the checkpoint is damaged.");
            }

            return state;
        }
        catch (Exception error) when (error is EndOfStreamException or IOException or ArgumentException
            or DecoderFallbackException)
        {
            throw new MethodStateException(
                $"The saved method state ({bytes.Length} bytes) ends in the middle of a field; the checkpoint is " +
                "damaged.",
                error);
        }
    }

    private (byte Kind, double[] Doubles, long[] Int64s) Find(string field, byte kind)
    {
        if (!_fields.TryGetValue(field, out var entry))
        {
            throw new MethodStateException(
                $"The saved state of method '{Method}' has no field '{field}'; it was written by another version of " +
                "the method.");
        }

        if (entry.Kind != kind)
        {
            throw new MethodStateException(
                $"The saved state of method '{Method}' holds field '{field}' as {KindName(entry.Kind)}, but the " +
                $"method reads it as {KindName(kind)}.");
        }

        return entry;
    }

    private void RequireLength(string field, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new MethodStateException(
                $"The saved state of method '{Method}' has {actual.ToString(CultureInfo.InvariantCulture)} values " +
                $"in field '{field}', but the method needs {expected.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static string KindName(byte kind) => kind == DoubleKind ? "doubles" : "64-bit integers";

    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        // FNV-1a, 64 bits: enough to tell damaged bytes from a saved state, not a cryptographic check.
        var hash = 0xCBF2_9CE4_8422_2325UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 0x0000_0100_0000_01B3UL;
        }

        return hash;
    }
}
