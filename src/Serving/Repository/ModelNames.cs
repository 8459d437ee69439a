using System.Globalization;

namespace MtlOnnx.Serving.Repository;

/// <summary>
/// Checks the model names and versions that requests carry before any of them touches the file system: a name is
/// one folder of the repository and never a path out of it.
/// </summary>
internal static class ModelNames
{
    /// <summary>The longest model name accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>Returns whether a name is a valid model name: letters, digits, '_', '-', '.', starting with a letter or digit.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws unless a name is valid.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="ServingException">The name is not valid (<c>InvalidArgument</c>).</exception>
    public static void Validate(string? name)
    {
        if (!IsValid(name))
        {
            throw ServingException.Invalid(
                $"Model name '{Shorten(name)}' is not valid: use 1 to {MaxLength} letters, digits, '_', '-' or '.', " +
                "starting with a letter or digit.");
        }
    }

    /// <summary>Parses a requested version; empty means the newest ready version.</summary>
    /// <param name="version">The version text.</param>
    /// <returns>The version, or <see langword="null"/> for the newest.</returns>
    /// <exception cref="ServingException">The text is not a positive integer (<c>InvalidArgument</c>).</exception>
    public static long? ParseVersion(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return null;
        }

        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw ServingException.Invalid($"Model version '{Shorten(version)}' is not valid: versions are positive integers.");
        }

        return value;
    }

    /// <summary>Returns the folder of a model, checked to lie directly inside the repository.</summary>
    /// <param name="repository">The repository folder, absolute.</param>
    /// <param name="name">A valid model name.</param>
    /// <returns>The folder path.</returns>
    /// <exception cref="ServingException">The path would leave the repository.</exception>
    public static string FolderOf(string repository, string name)
    {
        Validate(name);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(repository));
        var folder = Path.GetFullPath(Path.Combine(root, name));
        if (!string.Equals(Path.GetDirectoryName(folder), root, StringComparison.Ordinal))
        {
            throw ServingException.Invalid($"Model name '{Shorten(name)}' does not name a folder of the repository.");
        }

        return folder;
    }

    /// <summary>Shortens untrusted text for a message.</summary>
    /// <param name="text">The text.</param>
    /// <returns>At most 64 characters of it.</returns>
    public static string Shorten(string? text) =>
        text is null ? string.Empty : text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");
}
