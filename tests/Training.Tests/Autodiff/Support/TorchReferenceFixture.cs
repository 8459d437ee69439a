namespace MtlOnnx.Training.Tests.Autodiff.Support;

/// <summary>Runs the PyTorch reference script once per test class, into a temporary directory.</summary>
public sealed class TorchReferenceFixture : IDisposable
{
    public TorchReferenceFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mtlonnx-autodiff-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        PythonTool.Run([RepositoryPaths.File("tests", "fixtures", "autodiff", "torch_gradients.py"), Directory]);
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
