namespace MtlOnnx.Testing;

/// <summary>A fresh folder under the system's temporary folder, deleted on dispose; shared by every test project.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("mtlonnx-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>Gets the path of a file or folder inside this folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Gets the path of nested parts inside this folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a text file (creating its folders) and returns its path.</summary>
    public string Write(string name, string content)
    {
        var path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Lists every file under a folder with its bytes, relative paths sorted, to compare trees.</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string root)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (!Directory.Exists(root))
        {
            return files;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var relative = System.IO.Path.GetRelativePath(root, entry);
            files[relative] = System.IO.File.Exists(entry) ? System.IO.File.ReadAllBytes(entry) : [];
        }

        return files;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a killed child process; a leftover temporary folder is harmless.
        }
    }
}
