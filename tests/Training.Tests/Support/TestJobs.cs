using MtlOnnx.Training.Jobs;

namespace MtlOnnx.Training.Tests.Support;

/// <summary>Small job files for tests.</summary>
internal static class TestJobs
{
    public const string ShapesTasks = """
        tasks:
          - name: shape
            kind: multiclass
          - name: position
            kind: regression
            columns: [x, y]
        """;

    public static JobSpec Parse(string yaml, string? baseDirectory = null) =>
        JobFile.Parse(yaml, "test.yaml", baseDirectory ?? Path.GetTempPath());
}
