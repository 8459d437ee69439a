namespace MtlOnnx.Testing;

/// <summary>Finds files of the repository (fixtures, presets, scripts) from the test binaries.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>Gets the repository's root folder, the nearest one above the test binaries with MtlOnnx.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary>Gets the path of a file below the repository's root.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(directory.FullName, "MtlOnnx.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No MtlOnnx.sln above '{AppContext.BaseDirectory}': the tests must run from a checkout of the repository.");
    }
}
