using System.Text.Json;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Tests.Autodiff.Support;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

namespace MtlOnnx.Training.Tests.Autodiff;

/// <summary>
/// Whole networks exported by torch.onnx.export (opset 17, training mode) must get the gradients PyTorch autograd
/// computes on the same weights and inputs, to 1e-4 relative: for every tensor, max |ours − torch| ≤ 1e-4 ·
/// max |torch|.
/// </summary>
public sealed class TorchReferenceTests(TorchReferenceFixture fixture) : IClassFixture<TorchReferenceFixture>
{
    private const double Tolerance = 1e-4;

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Manifest(
        string[] Losses, float[] Weights, string[] Params, string[] PerLoss, string[] Inputs,
        Dictionary<string, string> Masks, string[] Running);

    [Theory]
    [InlineData("lenet")]
    [InlineData("basic_block")]
    [InlineData("encoder")]
    [InlineData("two_task")]
    public void Network_Gradients_MatchPyTorchAutograd(string name)
    {
        var (result, feed, manifest) = Differentiate(name);
        using var runner = new OrtRunner(result.Model);
        var outputs = runner.Run(feed);
        var expected = Path.Combine(fixture.Directory, name, "expected");

        foreach (var param in manifest.Params)
        {
            AssertClose(Load(Path.Combine(expected, $"{param}_grad.pb")), outputs[result.GradientOutputs[param]], param);
        }

        foreach (var loss in manifest.Losses)
        {
            foreach (var param in manifest.PerLoss)
            {
                var reference = Load(Path.Combine(expected, $"{param}_grad.{loss}.pb"));
                AssertClose(reference, outputs[result.PerLossGradientOutputs[loss][param]], $"{param} ({loss})");
            }
        }

        foreach (var statistic in manifest.Running)
        {
            var reference = Load(Path.Combine(expected, $"{statistic}_new.pb"));
            AssertClose(reference, outputs[result.RunningStatisticOutputs[statistic]], statistic);
        }
    }

    [Fact]
    public void Network_EmittedGraphs_PassOnnxCheckerAndUseOnlyAiOnnx()
    {
        var paths = new List<string>();
        foreach (var name in new[] { "lenet", "basic_block", "encoder", "two_task" })
        {
            var (result, _, _) = Differentiate(name);
            Assert.All(result.Model.Graph.Node, n => Assert.True(n.Domain is "" or "ai.onnx", $"{n.Name}: domain {n.Domain}"));
            var path = Path.Combine(fixture.Directory, name, "with_gradients.onnx");
            OnnxModelIO.Save(result.Model, path);
            paths.Add(path);
        }

        const string check = """
            import sys, onnx
            for path in sys.argv[1:]:
                model = onnx.load(path)
                onnx.checker.check_model(model, full_check=True)
                domains = {n.domain for n in model.graph.node} - {"", "ai.onnx"}
                if domains:
                    raise SystemExit(f"{path}: non-standard domains {domains}")
                print("ok", path)
            """;
        var output = PythonTool.Run(["-c", check, .. paths]);
        Assert.Equal(paths.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    private (GradientResult Result, Dictionary<string, TestTensor> Feed, Manifest Manifest) Differentiate(string name)
    {
        var directory = Path.Combine(fixture.Directory, name);
        var manifest = JsonSerializer.Deserialize<Manifest>(
            File.ReadAllText(Path.Combine(directory, "manifest.json")), s_json)!;
        var model = OnnxModelIO.Load(Path.Combine(directory, "model.onnx"));
        var request = new GradientRequest
        {
            Losses = manifest.Losses,
            LossWeights = manifest.Weights,
            WithRespectTo = manifest.Params,
            PerLossWithRespectTo = manifest.PerLoss,
            FeedDropoutMasks = manifest.Masks.Count > 0,
        };
        var result = AutodiffApi.Differentiate(model, request);

        var feed = new Dictionary<string, TestTensor>(StringComparer.Ordinal);
        foreach (var input in manifest.Inputs)
        {
            feed[input] = Load(Path.Combine(directory, "inputs", input + ".pb"));
        }

        foreach (var param in manifest.Params)
        {
            feed[param] = Load(Path.Combine(directory, "params", param + ".pb"));
        }

        foreach (var (node, file) in manifest.Masks)
        {
            feed[result.DropoutMaskInputs[node]] = Load(Path.Combine(directory, "masks", file));
        }

        return (result, feed, manifest);
    }

    private static TestTensor Load(string path) => TestTensor.FromProto(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)));

    private static void AssertClose(TestTensor expected, TestTensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var scale = expected.FloatData.Max(v => Math.Abs(v));
        var worst = expected.FloatData.Zip(actual.FloatData, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(
            worst <= Tolerance * Math.Max(scale, 1e-12),
            $"{what}: max |ours − torch| = {worst:G3}, max |torch| = {scale:G3}, relative {worst / scale:G3} > {Tolerance}.");
    }
}
