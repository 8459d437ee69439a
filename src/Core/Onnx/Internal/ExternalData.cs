using System.Globalization;
using Google.Protobuf;

namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// Reads and writes tensor data kept outside the model file, as the ONNX specification describes: the tensor's
/// <c>external_data</c> entries name a file relative to the model (<c>location</c>), a byte <c>offset</c> and a
/// <c>length</c>, and its <c>data_location</c> is <c>EXTERNAL</c>.
/// </summary>
internal static class ExternalData
{
    /// <summary>The alignment of tensors in files we write, so that runtimes can map them directly.</summary>
    public const int Alignment = 64;

    /// <summary>Gets every tensor of a graph and its subgraphs: initializers and tensor attributes.</summary>
    /// <param name="graph">The graph.</param>
    /// <returns>The tensors.</returns>
    public static IEnumerable<TensorProto> AllTensors(GraphProto graph)
    {
        foreach (var initializer in graph.Initializer)
        {
            yield return initializer;
        }

        foreach (var sparse in graph.SparseInitializer)
        {
            if (sparse.Values is not null)
            {
                yield return sparse.Values;
            }

            if (sparse.Indices is not null)
            {
                yield return sparse.Indices;
            }
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.T is not null)
                {
                    yield return attribute.T;
                }

                foreach (var tensor in attribute.Tensors)
                {
                    yield return tensor;
                }

                var subgraphs = attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G);
                foreach (var subgraph in subgraphs)
                {
                    foreach (var tensor in AllTensors(subgraph))
                    {
                        yield return tensor;
                    }
                }
            }
        }
    }

    /// <summary>Gets the initializers of a graph and its subgraphs, the tensors that saving may move out.</summary>
    /// <param name="graph">The graph.</param>
    /// <returns>The initializers.</returns>
    public static IEnumerable<TensorProto> AllInitializers(GraphProto graph)
    {
        foreach (var initializer in graph.Initializer)
        {
            yield return initializer;
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                var subgraphs = attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G);
                foreach (var subgraph in subgraphs)
                {
                    foreach (var tensor in AllInitializers(subgraph))
                    {
                        yield return tensor;
                    }
                }
            }
        }
    }

    /// <summary>Reads the data of every external tensor of a model into <c>raw_data</c>.</summary>
    /// <param name="model">The model; changed in place.</param>
    /// <param name="modelPath">The model file, whose folder external locations are relative to.</param>
    /// <exception cref="ModelFormatException">
    /// A reference is malformed or unsafe, or its file is missing or short.
    /// </exception>
    public static void LoadAll(ModelProto model, string modelPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        var files = new Dictionary<string, Microsoft.Win32.SafeHandles.SafeFileHandle>(StringComparer.Ordinal);
        try
        {
            foreach (var tensor in AllTensors(model.Graph))
            {
                if (tensor.DataLocation != TensorProto.Types.DataLocation.External)
                {
                    continue;
                }

                var reference = Parse(tensor, modelPath);
                var path = Resolve(tensor, reference.Location, folder, modelPath);
                if (!files.TryGetValue(path, out var handle))
                {
                    if (!File.Exists(path))
                    {
                        throw new ModelFormatException(
                            $"Tensor '{tensor.Name}' of '{modelPath}' stores its data in '{reference.Location}', " +
                            "which does not exist next to the model.");
                    }

                    handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                    files[path] = handle;
                }

                tensor.RawData = Read(tensor, reference, handle, modelPath);
                tensor.ExternalData.Clear();
                tensor.DataLocation = TensorProto.Types.DataLocation.Default;
            }
        }
        finally
        {
            foreach (var handle in files.Values)
            {
                handle.Dispose();
            }
        }
    }

    /// <summary>Gets the number of bytes a tensor's shape and type call for, or null for variable-size types.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <param name="source">The model file for messages.</param>
    /// <returns>The byte count, or <see langword="null"/>.</returns>
    public static long? ExpectedBytes(TensorProto tensor, string source)
    {
        var type = (ElementType)tensor.DataType;
        if (type is ElementType.String or ElementType.Undefined || !Enum.IsDefined(type))
        {
            return null;
        }

        long count = 1;
        foreach (var dim in tensor.Dims)
        {
            if (dim < 0)
            {
                throw new ModelFormatException(
                    $"Tensor '{tensor.Name}' of '{source}' has the negative dimension {dim}.");
            }

            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw new ModelFormatException(
                    $"Tensor '{tensor.Name}' of '{source}' has a shape whose element count overflows 64 bits.");
            }
        }

        try
        {
            return checked(count * ElementTypes.SizeOf(type));
        }
        catch (OverflowException)
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' has a shape whose byte count overflows 64 bits.");
        }
    }

    private static ExternalReference Parse(TensorProto tensor, string source)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location":
                    location = entry.Value;
                    break;
                case "offset":
                    offset = ParseNumber(tensor, entry, source);
                    break;
                case "length":
                    length = ParseNumber(tensor, entry, source);
                    break;
                default:
                    // "checksum" and keys from newer specifications do not change where the bytes are.
                    break;
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' is marked as external data but has no 'location' entry.");
        }

        return new ExternalReference(location, offset, length);
    }

    private static long ParseNumber(TensorProto tensor, StringStringEntryProto entry, string source)
    {
        if (!long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' has the external data {entry.Key} '{entry.Value}', " +
                "expected a non-negative integer.");
        }

        return value;
    }

    private static string Resolve(TensorProto tensor, string location, string folder, string source)
    {
        // A model file from elsewhere must not make us read arbitrary files: only paths inside its own folder.
        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\')
            || location.Contains(':', StringComparison.Ordinal))
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' refers to the absolute external data path '{location}'; " +
                "external data must be a path relative to the model's folder.");
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, location));
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' refers to the external data path '{location}', which lies " +
                "outside the model's folder.");
        }

        return full;
    }

    private static ByteString Read(
        TensorProto tensor,
        ExternalReference reference,
        Microsoft.Win32.SafeHandles.SafeFileHandle handle,
        string source)
    {
        var fileLength = RandomAccess.GetLength(handle);
        var expected = ExpectedBytes(tensor, source);
        if (reference.Length is { } declared && expected is { } needed && declared != needed)
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' declares an external data length of {declared} bytes, but " +
                $"its shape [{string.Join(", ", tensor.Dims)}] of {ElementTypes.Name((ElementType)tensor.DataType)} " +
                $"needs {needed} bytes.");
        }

        var length = reference.Length ?? expected ?? Math.Max(0, fileLength - reference.Offset);

        // Lengths come from the file, so they are checked against the data file before anything is allocated.
        if (reference.Offset > fileLength || length > fileLength - reference.Offset)
        {
            throw new ModelFormatException(
                $"External data file '{reference.Location}' of '{source}' holds {fileLength} bytes, but tensor " +
                $"'{tensor.Name}' needs bytes {reference.Offset} to {reference.Offset + length}; the file is short.");
        }

        if (length > Array.MaxLength)
        {
            throw new ModelFormatException(
                $"Tensor '{tensor.Name}' of '{source}' holds {length} bytes; tensors over 2 GB cannot be held in " +
                "memory as one block.");
        }

        var buffer = new byte[length];
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(done), reference.Offset + done);
            if (read == 0)
            {
                throw new ModelFormatException(
                    $"External data file '{reference.Location}' of '{source}' ended while tensor '{tensor.Name}' " +
                    "was read.");
            }

            done += read;
        }

        // The buffer is owned by the tensor from here on, so wrapping it without a copy is safe.
        return UnsafeByteOperations.UnsafeWrap(buffer);
    }

    private readonly record struct ExternalReference(string Location, long Offset, long? Length);
}
