using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Tests.Autodiff.Support;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

namespace MtlOnnx.Training.Tests.Autodiff;

/// <summary>
/// One small network with the operators whose forms change between opsets (reductions, squeeze, split, pooling,
/// gathering, layer norm) is differentiated at every supported opset, checked against finite differences and,
/// up to opset 17 (what Debian's onnx 1.12 knows), by the ONNX checker.
/// </summary>
public sealed class OpsetCoverageTests
{
    private static ModelProto Network(int opset)
    {
        var b = new GraphBuilder("net", opset);
        var x = b.AddInput("x", ElementType.Float, 2, 1, 6, 6);
        var w = b.AddInput("w", ElementType.Float, 3, 1, 3, 3);
        var table = b.AddInput("table", ElementType.Float, 5, 3);
        var ids = b.AddInput("ids", ElementType.Int64, 2, 2);
        var scale = b.AddInput("scale", ElementType.Float, 3);
        GraphValue Ints(params long[] v) => ModelFactory.Int64s(b, v);

        var conv = b.Node("Conv", [x, w], Attr.Ints("pads", 1, 1, 1, 1));
        var pooled = b.Node("MaxPool", [b.Relu(conv)], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        var mean = opset >= 18
            ? b.Node("ReduceMean", [pooled, Ints(2, 3)], Attr.Int("keepdims", 0))
            : b.Node("ReduceMean", [pooled], Attr.Ints("axes", 2, 3), Attr.Int("keepdims", 0));
        var embedded = b.Node("ReduceSum", [b.Node("Gather", [table, ids]), Ints(1)], Attr.Int("keepdims", 0));
        var features = b.Add(mean, embedded);
        GraphValue normalized;
        if (opset >= 17)
        {
            normalized = b.Node("LayerNormalization", [features, scale], Attr.Int("axis", -1));
        }
        else
        {
            normalized = b.Mul(features, scale);
        }

        var lifted = b.Node("Unsqueeze", [normalized, Ints(1)]);
        var parts = b.Node("Split", [lifted, Ints(1, 2)], 2, Attr.Int("axis", 2));
        var squeezed = b.Node("Squeeze", [parts[1], Ints(1)]);
        var y = b.Node("Softmax", [b.Mul(squeezed, b.Node("Tanh", [parts[0]]))], Attr.Int("axis", -1));
        b.AddOutput(y, ElementType.Float);
        return b.ToModel();
    }

    private static Dictionary<string, TestTensor> Feed() => new()
    {
        ["x"] = TestTensor.Random([2, 1, 6, 6], 1),
        ["w"] = TestTensor.Random([3, 1, 3, 3], 2),
        ["table"] = TestTensor.Random([5, 3], 3),
        ["ids"] = TestTensor.Int64s([2, 2], [4, 1, 1, 0]),
        ["scale"] = TestTensor.Random([3], 4, 0.5f, 1.5f),
    };

    [Theory]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void Network_AtEveryOpset_MatchesFiniteDifferences(int opset)
    {
        var model = Network(opset);
        // A small step keeps the perturbations of x on one side of the ReLU and max-pool kinks.
        GradientChecker.Check(model, Feed(), ["x", "w", "table", "scale"], delta: 1e-3, absoluteTolerance: 3e-3);
    }

    [Fact]
    public void Network_Opsets13To17_PassOnnxChecker()
    {
        var directory = Directory.CreateTempSubdirectory("mtlonnx-opsets-");
        try
        {
            var paths = new List<string>();
            for (var opset = 13; opset <= 17; opset++)
            {
                var network = Network(opset);
                var model = GradientChecker.WithDotLoss(network, network.Graph.Output[0].Name, TestTensor.Random([2, 2, 2], 5));
                var result = AutodiffApi.Differentiate(
                    model, new GradientRequest { Losses = ["loss"], WithRespectTo = ["x", "w", "table", "scale"] });
                Assert.Equal(opset, result.Model.OpsetImport.Single(o => o.Domain.Length == 0).Version);
                var path = Path.Combine(directory.FullName, $"opset{opset}.onnx");
                OnnxModelIO.Save(result.Model, path);
                paths.Add(path);
            }

            const string check = """
                import sys, onnx
                for path in sys.argv[1:]:
                    onnx.checker.check_model(onnx.load(path), full_check=True)
                    print("ok", path)
                """;
            var output = PythonTool.Run(["-c", check, .. paths]);
            Assert.Equal(paths.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
