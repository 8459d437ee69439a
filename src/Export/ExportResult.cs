namespace MtlOnnx.Export;

/// <summary>
/// What <see cref="ModelExporter"/> wrote.
/// </summary>
public sealed class ExportResult
{
    internal ExportResult(
        string name,
        string version,
        string versionDirectory,
        InferenceModel inference,
        double? verifiedDifference,
        PrecisionReport? precision)
    {
        Name = name;
        Version = version;
        VersionDirectory = versionDirectory;
        Inference = inference;
        VerifiedDifference = verifiedDifference;
        Precision = precision;
    }

    /// <summary>Gets the model name.</summary>
    public string Name { get; }

    /// <summary>Gets the version.</summary>
    public string Version { get; }

    /// <summary>Gets the version folder.</summary>
    public string VersionDirectory { get; }

    /// <summary>Gets the model folder, which holds <c>config.pbtxt</c>.</summary>
    public string ModelDirectory => Path.GetDirectoryName(VersionDirectory)!;

    /// <summary>Gets the path of <c>model.onnx</c>.</summary>
    public string ModelPath => Path.Combine(VersionDirectory, ModelExporter.ModelFileName);

    /// <summary>Gets the float32 inference model and its report (before any precision change).</summary>
    public InferenceModel Inference { get; }

    /// <summary>Gets the largest difference to the eval graph found by verification, or null when it did not run.</summary>
    public double? VerifiedDifference { get; }

    /// <summary>Gets the precision report of a float16 or INT8 export, or <see langword="null"/>.</summary>
    public PrecisionReport? Precision { get; }
}
