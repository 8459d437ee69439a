using System.Globalization;
using Google.Protobuf;
using MtlOnnx.Onnx.Internal;

namespace MtlOnnx.Onnx;

/// <summary>
/// Loads and saves ONNX models, including tensors stored as external data, and rejects damaged or hostile files
/// with a <see cref="ModelFormatException"/> that says what is wrong.
/// </summary>
public static class OnnxModelIO
{
    /// <summary>The lowest IR version that loading accepts (ONNX 1.0 with opset imports).</summary>
    public const long MinIrVersion = 3;

    /// <summary>The highest IR version that loading accepts.</summary>
    public const long MaxIrVersion = 12;

    /// <summary>The deepest nesting of messages (graphs in attributes in nodes ...) that parsing accepts.</summary>
    public const int RecursionLimit = 100;

    // Protobuf messages are limited to 2 GB; keep a margin for the non-tensor fields.
    private const long InlineLimitBytes = int.MaxValue - (16L << 20);

    /// <summary>Parses a model from bytes.</summary>
    /// <param name="bytes">The serialized model.</param>
    /// <param name="source">A name for the source, used in error messages.</param>
    /// <param name="options">The options; external data is not read when parsing from memory.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFormatException">
    /// The bytes are not an ONNX model, are truncated, declare an unsupported IR version or fail validation.
    /// </exception>
    public static ModelProto Parse(ReadOnlySpan<byte> bytes, string source = "<memory>", ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= ModelLoadOptions.Default;
        var model = ParseCore(bytes, source);
        if (options.Validate)
        {
            GraphValidator.ThrowIfInvalid(model, source);
        }

        return model;
    }

    /// <summary>Loads a model from a file, reading its external data from the model's folder.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="options">The options, or <see langword="null"/> for <see cref="ModelLoadOptions.Default"/>.</param>
    /// <returns>The model.</returns>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="ModelFormatException">
    /// The file is not an ONNX model, is truncated, declares an unsupported IR version, refers to missing, short or
    /// unsafe external data, or fails validation.
    /// </exception>
    public static ModelProto Load(string path, ModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= ModelLoadOptions.Default;
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"The model file '{path}' does not exist.", path);
        }

        if (info.Length > int.MaxValue)
        {
            throw new ModelFormatException(
                $"'{path}' is {info.Length} bytes, but an ONNX model file holds at most 2 GB; larger models keep " +
                "their tensors in external data.");
        }

        var model = ParseCore(File.ReadAllBytes(path), path);
        if (options.LoadExternalData)
        {
            ExternalData.LoadAll(model, path);
        }

        if (options.Validate)
        {
            GraphValidator.ThrowIfInvalid(model, path);
        }

        return model;
    }

    /// <summary>Serializes a model to bytes, all tensors inline.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="ModelFormatException">The model is larger than the 2 GB a protobuf message can hold.</exception>
    public static byte[] ToBytes(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        EnsureFitsInline(model, "The model", InlineLimitBytes);
        return model.ToByteArray();
    }

    /// <summary>
    /// Saves a model to a file, optionally moving large initializers to one external data file next to it. Both
    /// files are written to temporary files first and renamed, so a failed save leaves earlier files intact. The
    /// model passed in is not changed.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The model file.</param>
    /// <param name="options">The options, or <see langword="null"/> to keep every tensor inline.</param>
    /// <exception cref="ModelFormatException">
    /// The model still refers to external data it was loaded without, or holds more than 2 GB inline.
    /// </exception>
    /// <exception cref="ArgumentException">The external data file name contains folders.</exception>
    public static void Save(ModelProto model, string path, ModelSaveOptions? options = null) =>
        Save(model, path, options, InlineLimitBytes);

    /// <summary>Saves a model with a given inline limit, so that tests can exercise the 2 GB rule cheaply.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The model file.</param>
    /// <param name="options">The options.</param>
    /// <param name="inlineLimitBytes">The most tensor bytes that may stay inline.</param>
    internal static void Save(ModelProto model, string path, ModelSaveOptions? options, long inlineLimitBytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= ModelSaveOptions.Default;
        var dataName = options.ExternalDataFileName ?? Path.GetFileName(path) + ".data";
        if (dataName.Length == 0 || Path.GetFileName(dataName) != dataName)
        {
            throw new ArgumentException(
                $"The external data file name '{dataName}' must be a plain file name without folders.",
                nameof(options));
        }

        var copy = model.Clone();
        if (copy.Graph is not null)
        {
            foreach (var tensor in ExternalData.AllTensors(copy.Graph))
            {
                if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
                {
                    throw new ModelFormatException(
                        $"Tensor '{tensor.Name}' still refers to external data that was not loaded; load the model " +
                        "with external data before saving it.");
                }
            }
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var dataPath = Path.Combine(folder, dataName);
        var dataTemporary = options.ExternalDataThreshold is { } threshold && copy.Graph is not null
            ? WriteExternal(copy.Graph, dataPath, dataName, threshold)
            : null;
        try
        {
            EnsureFitsInline(copy, $"The model to be saved as '{path}'", inlineLimitBytes);
            var modelTemporary = AtomicFile.TemporaryPathFor(path);
            try
            {
                AtomicFile.WriteTemporary(modelTemporary, copy.WriteTo);

                // The data file goes first: a model file never names data that is not yet in place.
                if (dataTemporary is not null)
                {
                    File.Move(dataTemporary, dataPath, overwrite: true);
                    dataTemporary = null;
                }

                File.Move(modelTemporary, path, overwrite: true);
            }
            catch
            {
                AtomicFile.TryDelete(modelTemporary);
                throw;
            }
        }
        finally
        {
            if (dataTemporary is not null)
            {
                AtomicFile.TryDelete(dataTemporary);
            }
        }
    }

    private static string? WriteExternal(GraphProto graph, string dataPath, string dataName, long threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        var moved = ExternalData.AllInitializers(graph)
            .Where(t => !t.RawData.IsEmpty && t.RawData.Length >= threshold)
            .ToList();
        if (moved.Count == 0)
        {
            return null;
        }

        var temporary = AtomicFile.TemporaryPathFor(dataPath);
        AtomicFile.WriteTemporary(temporary, stream =>
        {
            Span<byte> padding = stackalloc byte[ExternalData.Alignment];
            foreach (var tensor in moved)
            {
                var offset = stream.Position;
                tensor.RawData.WriteTo(stream);
                tensor.ExternalData.Clear();
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataName });
                tensor.ExternalData.Add(Entry("offset", offset));
                tensor.ExternalData.Add(Entry("length", tensor.RawData.Length));
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.RawData = ByteString.Empty;
                var misalignment = (int)(stream.Position % ExternalData.Alignment);
                var pad = misalignment == 0 ? 0 : ExternalData.Alignment - misalignment;
                stream.Write(padding[..pad]);
            }
        });

        return temporary;
    }

    private static StringStringEntryProto Entry(string key, long value) =>
        new() { Key = key, Value = value.ToString(CultureInfo.InvariantCulture) };

    private static void EnsureFitsInline(ModelProto model, string what, long limit)
    {
        if (model.Graph is null)
        {
            return;
        }

        long inline = 0;
        foreach (var tensor in ExternalData.AllTensors(model.Graph))
        {
            inline += tensor.RawData.Length + (4L * (tensor.FloatData.Count + tensor.Int32Data.Count))
                + (8L * (tensor.Int64Data.Count + tensor.DoubleData.Count + tensor.Uint64Data.Count));
        }

        if (inline > limit)
        {
            throw new ModelFormatException(
                $"{what} holds {inline} bytes of tensor data inline, more than the {limit} bytes a protobuf file " +
                "can hold; save it with ModelSaveOptions.ExternalDataThreshold set so that large tensors go to " +
                "an external data file.");
        }
    }

    private static ModelProto ParseCore(ReadOnlySpan<byte> bytes, string source)
    {
        var irVersion = ModelFileScanner.Scan(bytes, source);
        if (irVersion is < MinIrVersion or > MaxIrVersion)
        {
            throw new ModelFormatException(
                $"'{source}' has IR version {irVersion}, which MtlOnnx does not read; supported IR versions are " +
                $"{MinIrVersion} to {MaxIrVersion}.");
        }

        ModelProto model;
        try
        {
            // Parsing from a span bounds every length by the bytes present and nesting by the parser's default
            // recursion limit (100, the value of RecursionLimit), so a hostile file can neither make us allocate
            // more than it holds nor overflow the stack.
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex) when (ex.Message.Contains("levels of nesting", StringComparison.Ordinal))
        {
            throw new ModelFormatException(
                $"'{source}' nests messages more than {RecursionLimit} levels deep; it is damaged or hostile.", ex);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelFormatException($"'{source}' is not a valid ONNX model: {ex.Message}", ex);
        }

        if (model.Graph is null)
        {
            throw new ModelFormatException($"'{source}' is not an ONNX model: it has no graph.");
        }

        return model;
    }
}
