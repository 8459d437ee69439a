namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// Writes files through a temporary file in the same folder that is renamed over the target, so that a reader
/// never sees a half-written file and a failed write leaves the old file intact.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Gets a fresh temporary path next to <paramref name="path"/>.</summary>
    /// <param name="path">The final path.</param>
    /// <returns>The temporary path.</returns>
    public static string TemporaryPathFor(string path) =>
        $"{path}.{Guid.NewGuid():N}.tmp";

    /// <summary>Writes a file with <paramref name="write"/> and renames it into place.</summary>
    /// <param name="path">The final path.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = TemporaryPathFor(path);
        try
        {
            WriteTemporary(temporary, write);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes and flushes a temporary file, leaving the rename to the caller.</summary>
    /// <param name="temporary">The temporary path.</param>
    /// <param name="write">Writes the content.</param>
    public static void WriteTemporary(string temporary, Action<Stream> write)
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);

        // Flush to the disk before the rename, or a crash could leave a renamed but empty file.
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Deletes a file if it exists, ignoring failures; used to clean up after an error.</summary>
    /// <param name="path">The file.</param>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error matters more than a temporary file left behind.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
