using System.Globalization;
using System.Text.RegularExpressions;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Writes one version of a model into a Triton-style repository, <c>DIR/name/config.pbtxt</c> and
/// <c>DIR/name/version/*</c>, atomically: everything is staged in a hidden folder of the repository and moved into
/// place by renames, so that a failure leaves the repository as it was.
/// </summary>
internal static partial class ModelRepositoryWriter
{
    /// <summary>Checks a model name: letters, digits, '.', '_' and '-', not starting with '.'.</summary>
    /// <exception cref="ModelRepositoryException">The name is not valid.</exception>
    public static void CheckName(string name)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new ModelRepositoryException(
                $"Model name '{name}' is not valid: use letters, digits, '.', '_' and '-', starting with a letter " +
                "or digit.");
        }
    }

    /// <summary>Checks a version: a positive integer, as Triton's numeric version folders are.</summary>
    /// <exception cref="ModelRepositoryException">The version is not valid.</exception>
    public static void CheckVersion(string version)
    {
        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 ||
            version.StartsWith('0'))
        {
            throw new ModelRepositoryException(
                $"Model version '{version}' is not valid: a version is a positive integer such as 1 or 12.");
        }
    }

    /// <summary>Gets the version after the highest existing numeric version of a model, or 1.</summary>
    public static string NextVersion(string repository, string name)
    {
        var directory = Path.Combine(repository, name);
        if (!Directory.Exists(directory))
        {
            return "1";
        }

        var highest = Directory.EnumerateDirectories(directory)
            .Select(d => long.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .DefaultIfEmpty(0)
            .Max();
        return (highest + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Writes the files of a version and the model's shared files.</summary>
    /// <param name="repository">The repository folder; created when missing.</param>
    /// <param name="name">The model name.</param>
    /// <param name="version">The version.</param>
    /// <param name="versionFiles">The files of the version folder, keyed by file name.</param>
    /// <param name="modelFiles">The files of the model folder (config.pbtxt, label files), keyed by file name.</param>
    /// <param name="force">Whether to replace an existing version.</param>
    /// <returns>The version folder.</returns>
    /// <exception cref="ModelRepositoryException">The version exists without force, or a write failed.</exception>
    public static string Write(
        string repository,
        string name,
        string version,
        IReadOnlyDictionary<string, byte[]> versionFiles,
        IReadOnlyDictionary<string, byte[]> modelFiles,
        bool force)
    {
        CheckName(name);
        CheckVersion(version);
        var root = Path.GetFullPath(repository);
        var modelDirectory = Path.Combine(root, name);
        var versionDirectory = Path.Combine(modelDirectory, version);
        if (File.Exists(root))
        {
            throw new ModelRepositoryException($"The model repository '{root}' is a file, not a directory.");
        }

        if (File.Exists(modelDirectory))
        {
            throw new ModelRepositoryException(
                $"'{modelDirectory}' is a file; the model repository needs a folder of that name for model '{name}'.");
        }

        if (Directory.Exists(versionDirectory) && !force)
        {
            throw new ModelRepositoryException(
                $"Version {version} of model '{name}' already exists at '{versionDirectory}'; choose another " +
                "version, or pass force (--force) to replace it.");
        }

        string staging;
        try
        {
            Directory.CreateDirectory(root);
            staging = Directory.CreateDirectory(
                Path.Combine(root, $".staging-{name}-{version}-{Guid.NewGuid():N}")).FullName;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelRepositoryException(
                $"Cannot write to the model repository '{root}': {ex.Message} Nothing was changed.", ex);
        }

        try
        {
            var stagedModel = Directory.CreateDirectory(Path.Combine(staging, name)).FullName;
            var stagedVersion = Directory.CreateDirectory(Path.Combine(stagedModel, version)).FullName;
            foreach (var (file, bytes) in versionFiles)
            {
                File.WriteAllBytes(Path.Combine(stagedVersion, CheckFileName(file)), bytes);
            }

            foreach (var (file, bytes) in modelFiles)
            {
                File.WriteAllBytes(Path.Combine(stagedModel, CheckFileName(file)), bytes);
            }

            if (!Directory.Exists(modelDirectory))
            {
                // A new model: one rename publishes the folder with its config and first version.
                Directory.Move(stagedModel, modelDirectory);
                return versionDirectory;
            }

            PublishVersion(stagedVersion, versionDirectory, Path.Combine(staging, "replaced"));
            foreach (var file in modelFiles.Keys)
            {
                File.Move(Path.Combine(stagedModel, file), Path.Combine(modelDirectory, file), overwrite: true);
            }

            return versionDirectory;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelRepositoryException(
                $"Writing version {version} of model '{name}' to '{root}' failed: {ex.Message} The repository was " +
                "left as it was.", ex);
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private static void PublishVersion(string staged, string target, string replaced)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staged, target);
            return;
        }

        // Replacing: move the old version aside first, and back again if the new one cannot take its place.
        Directory.Move(target, replaced);
        try
        {
            Directory.Move(staged, target);
        }
        catch
        {
            Directory.Move(replaced, target);
            throw;
        }
    }

    private static string CheckFileName(string file)
    {
        if (file.Length == 0 || file != Path.GetFileName(file) || file.StartsWith('.'))
        {
            throw new ModelRepositoryException($"'{file}' is not a plain file name for the model repository.");
        }

        return file;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // The staging folder is hidden and unused; leaving it behind does not change the repository's models.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}
