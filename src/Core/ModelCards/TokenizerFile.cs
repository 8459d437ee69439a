namespace MtlOnnx.ModelCards;

/// <summary>
/// A tokenizer file that travels beside the model, inside its version folder.
/// </summary>
public sealed class TokenizerFile
{
    /// <summary>Gets or sets the file name, relative to the version folder; no folders are allowed.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the SHA-256 hash of the file's bytes, as 64 lower-case hexadecimal digits.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>Creates the entry for a file, hashing its bytes.</summary>
    /// <param name="path">The file to hash; its name becomes <see cref="Name"/>.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TokenizerFile FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new TokenizerFile { Name = Path.GetFileName(path), Sha256 = HashFile(path) };
    }

    /// <summary>Computes the SHA-256 hash of a file as 64 lower-case hexadecimal digits.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The hash.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string HashFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
