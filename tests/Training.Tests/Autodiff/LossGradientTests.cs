using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class LossGradientTests
{
    public static TheoryData<string, string, bool, long?, bool> Cases()
    {
        var data = new TheoryData<string, string, bool, long?, bool>();
        foreach (var op in new[] { "SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss" })
        {
            foreach (var reduction in new[] { "mean", "sum", "none" })
            {
                data.Add(op, reduction, false, null, false);
                data.Add(op, reduction, true, null, false);
                data.Add(op, reduction, true, 1, false);
                data.Add(op, reduction, false, -1, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClassLoss_Gradient_MatchesFiniteDifferences(
        string op, string reduction, bool weighted, long? ignoreIndex, bool spatial)
    {
        long[] scoresShape = spatial ? [3, 4, 2] : [5, 4];
        long[] labelShape = spatial ? [3, 2] : [5];
        long[] labels = spatial ? [0, 3, -1, 2, 1, 1] : [0, 3, 1, 1, 2];
        var inputs = new List<(string, TestTensor)>
        {
            ("scores", TestTensor.Random(scoresShape, 1, -2f, 2f)), ("labels", TestTensor.Int64s(labelShape, labels)),
        };
        if (weighted)
        {
            inputs.Add(("weights", TestTensor.Random([4], 2, 0.5f, 2f)));
        }

        var attributes = new List<AttributeProto> { Attr.String("reduction", reduction) };
        if (ignoreIndex is { } ignore)
        {
            attributes.Add(Attr.Int("ignore_index", ignore));
        }

        var model = ModelFactory.Single(op, inputs, inputs.Select(i => i.Item1).ToArray(), attributes: [.. attributes]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["scores"]);
    }

    [Fact]
    public void SoftmaxCrossEntropyLoss_LogProbOutputUsed_Gradient_MatchesFiniteDifferences()
    {
        var b = new GraphBuilder("sce", 17);
        var scores = b.AddInput("scores", ElementType.Float, 3, 4);
        var labels = b.AddInput("labels", ElementType.Int64, 3);
        var outputs = b.Node("SoftmaxCrossEntropyLoss", [scores, labels], 2);
        var y = b.Add(b.Mul(outputs[1], ModelFactory.Scalar(b, 0.3f)), outputs[0]);
        b.AddOutput(y, ElementType.Float);
        var feed = new Dictionary<string, TestTensor>
        {
            ["scores"] = TestTensor.Random([3, 4], 1), ["labels"] = TestTensor.Int64s([3], [2, 0, 3]),
        };
        GradientChecker.Check(b.ToModel(), feed, ["scores"]);
    }
}
