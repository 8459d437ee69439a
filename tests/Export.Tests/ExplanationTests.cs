using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

public sealed class ExplanationTests
{
    private static readonly TestModel s_model = TestModel.LeNet();

    [Fact]
    public void Explain_Saliency_MatchesFiniteDifferencesOfExportedModel()
    {
        using var repo = new TempFolder();
        var result = ModelExporter.Export(
            ModelExporterTests.Source(s_model),
            new ExportOptions { Repository = repo.Path, Explain = true });
        var exported = OnnxModelIO.Load(result.ModelPath);
        var explain = OnnxModelIO.Load(Path.Combine(result.VersionDirectory, ModelExporter.ExplainFileName));
        const int batch = 2;
        var input = s_model.SampleBatch(batch, seed: 3);
        var shape = s_model.BatchShape(batch);
        var names = s_model.Tasks.Select(t => t.Name + ModelExporter.SaliencySuffix).ToArray();

        Assert.Equal(names, explain.Graph.Output.Select(o => o.Name));
        var saliency = OrtTestRunner.Run(explain, Feed(input, shape), null, names);
        var baseline = OrtTestRunner.Run(exported, Feed(input, shape), null, s_model.Tasks.Select(t => t.Name));
        var perSample = input.Length / batch;
        var random = new Random(17);
        const float step = 1e-2f;
        foreach (var task in s_model.Tasks)
        {
            var gradient = saliency[task.Name + ModelExporter.SaliencySuffix];
            Assert.Equal(input.Length, gradient.Length);
            Assert.Contains(gradient, g => Math.Abs(g) > 1e-3);
            for (var probe = 0; probe < 12; probe++)
            {
                var index = random.Next(input.Length);
                var sample = index / perSample;
                var plus = (float[])input.Clone();
                var minus = (float[])input.Clone();
                plus[index] += step;
                minus[index] -= step;
                var up = OrtTestRunner.Run(exported, Feed(plus, shape), null, [task.Name])[task.Name];
                var down = OrtTestRunner.Run(exported, Feed(minus, shape), null, [task.Name])[task.Name];
                var reference = baseline[task.Name];
                var numeric = (Score(task, up, reference, sample) - Score(task, down, reference, sample)) / (2 * step);
                Assert.True(
                    Math.Abs(numeric - gradient[index]) <= 2e-2 * (1 + Math.Abs(numeric)),
                    $"Task '{task.Name}', element {index}: saliency {gradient[index]}, finite difference {numeric}.");
            }
        }
    }

    [Fact]
    public void Explain_PassesOnnxCheckerFullCheck()
    {
        ExternalTools.RequirePythonOnnx();
        using var repo = new TempFolder();
        var result = ModelExporter.Export(
            ModelExporterTests.Source(s_model),
            new ExportOptions { Repository = repo.Path, Explain = true, Precision = ExportPrecision.Int8 });

        var path = Path.Combine(result.VersionDirectory, ModelExporter.ExplainFileName);
        const string script = "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)";
        ExternalTools.Run(ExternalTools.Python, ["-c", script, path]);
    }

    /// <summary>The score of one sample: the logit of the class predicted at the unperturbed input, and so on.</summary>
    private static double Score(ExportTask task, float[] outputs, float[] baseline, int sample)
    {
        var width = outputs.Length / 2;
        var row = outputs.AsSpan(sample * width, width);
        var reference = baseline.AsSpan(sample * width, width);
        switch (task.Kind)
        {
            case TaskKind.Multiclass:
                var best = 0;
                for (var k = 1; k < width; k++)
                {
                    best = reference[k] > reference[best] ? k : best;
                }

                return row[best];
            case TaskKind.Binary:
                return Math.Sign(reference[0]) * row[0];
            default:
                var sum = 0.0;
                foreach (var value in row)
                {
                    sum += value;
                }

                return sum;
        }
    }

    private static Dictionary<string, (float[], long[])> Feed(float[] values, long[] shape) =>
        new() { [s_model.InputName] = (values, shape) };
}
