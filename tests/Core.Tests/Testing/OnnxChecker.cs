namespace MtlOnnx.Core.Tests.Testing;

/// <summary>
/// Runs the reference ONNX checker, <c>onnx.checker.check_model(model, full_check=True)</c> from Debian's
/// python3-onnx, on model files, and fails the test with the checker's message when a model is rejected.
/// </summary>
internal static class OnnxChecker
{
    // One interpreter for all files: importing onnx costs more than checking a small model.
    private const string Script = """
        import sys
        import onnx
        failed = []
        for path in sys.argv[1:]:
            try:
                # Checking by path lets the checker find external data next to the model.
                onnx.checker.check_model(path, full_check=True)
            except Exception as e:
                failed.append(f"{path}: {type(e).__name__}: {e}")
        if failed:
            sys.stderr.write("\n".join(failed))
            sys.exit(1)
        print("ok", len(sys.argv) - 1)
        """;

    /// <summary>Checks model files with the reference checker; fails the test if any is rejected.</summary>
    /// <param name="paths">The model files.</param>
    public static void AssertValid(params string[] paths)
    {
        Assert.NotEmpty(paths);
        var output = PythonTool.RunScript(Script, paths);
        Assert.Equal($"ok {paths.Length}", output.Trim());
    }

    /// <summary>Saves a model to a temporary file and checks it with the reference checker.</summary>
    /// <param name="model">The model.</param>
    /// <param name="folder">The folder to save it in.</param>
    /// <param name="name">The file name.</param>
    /// <returns>The saved file's path.</returns>
    public static string SaveAndAssertValid(MtlOnnx.Onnx.ModelProto model, string folder, string name)
    {
        var path = Path.Combine(folder, name);
        MtlOnnx.Onnx.OnnxModelIO.Save(model, path);
        AssertValid(path);
        return path;
    }
}
