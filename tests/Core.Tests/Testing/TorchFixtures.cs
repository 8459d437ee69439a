using System.Security.Cryptography;

namespace MtlOnnx.Core.Tests.Testing;

/// <summary>
/// The models that <c>tests/fixtures/make_torch_fixtures.py</c> exports with torch.onnx.export (opset 17): an MLP,
/// a convnet with batch norm and a two-layer transformer encoder. They are generated once per version of the
/// script into a cache folder under the system's temporary folder, shared by the test projects.
/// </summary>
internal static class TorchFixtures
{
    private static readonly Lazy<string> s_folder = new(Generate);

    /// <summary>Gets the names of the fixture files.</summary>
    public static string[] Names { get; } = ["mlp.onnx", "convnet_bn.onnx", "transformer.onnx"];

    /// <summary>Gets the path of a fixture, generating the fixtures on first use.</summary>
    /// <param name="name">The file name, for example <c>mlp.onnx</c>.</param>
    /// <returns>The path.</returns>
    public static string PathOf(string name) => Path.Combine(s_folder.Value, name);

    private static string Generate()
    {
        var script = RepositoryPaths.File("tests", "fixtures", "make_torch_fixtures.py");
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(script)))[..16];
        var folder = Path.Combine(Path.GetTempPath(), "mtlonnx-torch-fixtures", hash);
        if (Names.All(n => File.Exists(Path.Combine(folder, n))))
        {
            return folder;
        }

        // Export into a private folder and move it into place, so that parallel test processes never see a
        // half-written fixture.
        var staging = folder + "." + Guid.NewGuid().ToString("N");
        PythonTool.Run([script, staging], timeoutSeconds: 300);
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            Directory.Delete(staging, recursive: true);
        }

        return folder;
    }
}
