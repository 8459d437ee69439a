namespace MtlOnnx.Serving.Tests.Infrastructure;

/// <summary>A model repository in a temporary folder, deleted on dispose.</summary>
internal sealed class TestRepository : IDisposable
{
    public TestRepository()
    {
        Base = Path.Combine(Path.GetTempPath(), "mtlonnx-serving-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(Base, "models");
        Directory.CreateDirectory(Root);
    }

    /// <summary>Gets the folder that holds the repository and scratch folders beside it.</summary>
    public string Base { get; }

    /// <summary>Gets the repository folder.</summary>
    public string Root { get; }

    /// <summary>Writes DIR/name/version/model.onnx.</summary>
    public TestRepository Add(string name, long version, byte[] model, string? config = null)
    {
        var folder = Path.Combine(Root, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), model);
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(Root, name, "config.pbtxt"), config);
        }

        return this;
    }

    /// <summary>Writes a version in a scratch folder, then moves it into place in one rename, as a deployment would.</summary>
    public void Publish(string name, long version, byte[] model)
    {
        var staging = Path.Combine(Base, "staging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        File.WriteAllBytes(Path.Combine(staging, "model.onnx"), model);
        Directory.CreateDirectory(Path.Combine(Root, name));
        Directory.Move(staging, Path.Combine(Root, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
            // A session may still hold a file open on some platforms; the temp folder is cleaned later.
        }
    }
}
