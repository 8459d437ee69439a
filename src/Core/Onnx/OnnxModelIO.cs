using Google.Protobuf;

namespace MtlOnnx.Onnx;

/// <summary>
/// Loads and saves ONNX models.
/// </summary>
public static class OnnxModelIO
{
    /// <summary>Parses a model from bytes.</summary>
    /// <param name="bytes">The serialized model.</param>
    /// <param name="source">A name for the source, used in error messages.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFormatException">The bytes are not an ONNX model.</exception>
    public static ModelProto Parse(ReadOnlySpan<byte> bytes, string source = "<memory>")
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelFormatException($"'{source}' is not an ONNX model: {ex.Message}", ex);
        }
    }

    /// <summary>Loads a model from a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ModelFormatException">The file is not an ONNX model.</exception>
    public static ModelProto Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Serializes a model to bytes.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The bytes.</returns>
    public static byte[] ToBytes(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ToByteArray();
    }

    /// <summary>Saves a model to a file, writing a temporary file first and renaming it.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file.</param>
    public static void Save(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, model.ToByteArray());
        File.Move(temporary, path, overwrite: true);
    }
}
