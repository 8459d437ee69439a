using System.Buffers.Binary;
using System.IO.Compression;

namespace MtlOnnx.Training.Data;

/// <summary>Reads the IDX files of MNIST and Fashion-MNIST (big-endian header, unsigned bytes), gzipped or not.</summary>
public static class IdxFile
{
    /// <summary>Reads an IDX file of unsigned bytes.</summary>
    /// <param name="path">The file; names ending in <c>.gz</c> are decompressed.</param>
    /// <returns>The dimensions and the bytes in row-major order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataSourceException">The file is not an IDX file of unsigned bytes, or is truncated.</exception>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The IDX file '{path}' does not exist.", path);
        }

        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        try
        {
            Span<byte> header = stackalloc byte[4];
            stream.ReadExactly(header);
            if (header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] is < 1 or > 4)
            {
                throw new DataSourceException(
                    $"'{path}' is not an IDX file of unsigned bytes: its magic number is " +
                    $"{Convert.ToHexString(header)}, expected 000008 followed by a rank of 1 to 4.");
            }

            var dims = new int[header[3]];
            long count = 1;
            for (var i = 0; i < dims.Length; i++)
            {
                stream.ReadExactly(header);
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(header);
                if (dims[i] <= 0)
                {
                    throw new DataSourceException($"'{path}': dimension {i} is {dims[i]}, expected a positive size.");
                }

                count = checked(count * dims[i]);
            }

            var data = new byte[count];
            stream.ReadExactly(data);
            return (dims, data);
        }
        catch (EndOfStreamException ex)
        {
            throw new DataSourceException($"'{path}' is truncated: it ends before the data its header announces.", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new DataSourceException($"'{path}' is not a valid gzip file: {ex.Message}", ex);
        }
    }
}
