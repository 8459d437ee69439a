using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Tests.Autodiff.Support;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class AutodiffEngineTests
{
    private static readonly Dictionary<string, TestTensor> s_feed = new(StringComparer.Ordinal)
    {
        ["x"] = TestTensor.Random([4, 5], 1),
        ["labels"] = TestTensor.Int64s([4], [0, 2, 1, 2]),
        ["w1"] = TestTensor.Random([6, 5], 2),
        ["b1"] = TestTensor.Random([6], 3),
        ["w2"] = TestTensor.Random([3, 6], 4),
        ["w3"] = TestTensor.Random([2, 6], 5),
    };

    /// <summary>A shared trunk (Gemm, Relu) with a cross-entropy head and a mean-square head.</summary>
    private static ModelProto TwoTaskModel()
    {
        var b = new GraphBuilder("two_task", 17);
        var x = b.AddInput("x", ElementType.Float, "batch", 5);
        var labels = b.AddInput("labels", ElementType.Int64, "batch");
        var w1 = b.AddInput("w1", ElementType.Float, 6, 5);
        var b1 = b.AddInput("b1", ElementType.Float, 6);
        var w2 = b.AddInput("w2", ElementType.Float, 3, 6);
        var w3 = b.AddInput("w3", ElementType.Float, 2, 6);
        b.NewNode("Relu", [b.Linear(x, w1, b1).Name], ["h"]);
        var h = new GraphValue("h");
        var logits = b.Node("Gemm", [h, w2], Attr.Int("transB", 1));
        b.NewNode("SoftmaxCrossEntropyLoss", [logits.Name, labels.Name], ["loss1"]);
        var y2 = b.Node("Gemm", [h, w3], Attr.Int("transB", 1));
        b.NewNode("ReduceMean", [b.Mul(y2, y2).Name], ["loss2"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss1"), ElementType.Float, []);
        b.AddOutput(new GraphValue("loss2"), ElementType.Float, []);
        return b.ToModel();
    }

    private static Dictionary<string, TestTensor> Run(GradientResult result, IReadOnlyDictionary<string, TestTensor> feed)
    {
        using var runner = new OrtRunner(result.Model);
        return runner.Run(feed);
    }

    private static Dictionary<string, TestTensor> SingleLossGradients(string loss, string[] wrt)
    {
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest { Losses = [loss], WithRespectTo = wrt });
        return Run(result, s_feed).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"Element {i}: expected {expected[i]}, got {actual[i]}.");
        }
    }

    [Fact]
    public void Differentiate_TwoLosses_WeightedAndPerLossGradientsMatchSingleLossRuns()
    {
        string[] wrt = ["w1", "b1", "w2", "w3"];
        var g1 = SingleLossGradients("loss1", wrt);
        var g2 = SingleLossGradients("loss2", wrt);
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest
        {
            Losses = ["loss1", "loss2"],
            LossWeights = [0.3f, 2f],
            WithRespectTo = wrt,
            PerLossWithRespectTo = ["w1", "b1"],
        });

        var outputs = Run(result, s_feed);
        foreach (var name in wrt)
        {
            var expected = g1[$"{name}_grad"].FloatData.Zip(g2[$"{name}_grad"].FloatData, (a, b) => (0.3f * a) + (2f * b)).ToArray();
            AssertClose(expected, outputs[result.GradientOutputs[name]].FloatData);
        }

        foreach (var name in new[] { "w1", "b1" })
        {
            AssertClose(g1[$"{name}_grad"].FloatData, outputs[$"{name}_grad.loss1"].FloatData);
            AssertClose(g2[$"{name}_grad"].FloatData, outputs[$"{name}_grad.loss2"].FloatData);
            Assert.Equal($"{name}_grad.loss2", result.PerLossGradientOutputs["loss2"][name]);
        }

        Assert.Single(result.Model.Graph.Node, n => n.OpType == "Relu");
    }

    [Fact]
    public void Differentiate_PerLossOnSharedRepresentation_BuildsTrunkBackwardOnce()
    {
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest
        {
            Losses = ["loss1", "loss2"],
            WithRespectTo = ["w1", "b1", "w2", "w3"],
            PerLossWithRespectTo = ["h"],
        });

        // Forward: 3 Gemms. Backward: dW and dh for each head (4), then one dW for the trunk, not one per loss.
        Assert.Equal(8, result.Model.Graph.Node.Count(n => n.OpType == "Gemm"));
        var outputs = Run(result, s_feed);
        var g1 = SingleLossGradients("loss1", ["w1"]);
        var g2 = SingleLossGradients("loss2", ["w1"]);
        var expected = g1["w1_grad"].FloatData.Zip(g2["w1_grad"].FloatData, (a, b) => a + b).ToArray();
        AssertClose(expected, outputs["w1_grad"].FloatData);
        Assert.Equal(s_feed["x"].Shape[0] * 6, outputs["h_grad.loss1"].Count);
    }

    [Fact]
    public void Differentiate_LossWeightsInput_WeightsChangeWithoutRebuilding()
    {
        var g1 = SingleLossGradients("loss1", ["w1"]);
        var g2 = SingleLossGradients("loss2", ["w1"]);
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest
        {
            Losses = ["loss1", "loss2"],
            LossWeightsInput = "task_weights",
            WithRespectTo = ["w1", "w2"],
        });

        Assert.Equal("task_weights", result.LossWeightsInput);
        using var runner = new OrtRunner(result.Model);
        foreach (var (a, b) in new[] { (1f, 0f), (0.5f, 3f) })
        {
            var feed = new Dictionary<string, TestTensor>(s_feed) { ["task_weights"] = TestTensor.Floats([2], [a, b]) };
            var outputs = runner.Run(feed);
            var expected = g1["w1_grad"].FloatData.Zip(g2["w1_grad"].FloatData, (p, q) => (a * p) + (b * q)).ToArray();
            AssertClose(expected, outputs["w1_grad"].FloatData);
        }
    }

    [Fact]
    public void Differentiate_KeepForwardOutputsFalse_OutputsOnlyGradients()
    {
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest
        {
            Losses = ["loss1"],
            WithRespectTo = ["w2"],
            KeepForwardOutputs = false,
        });

        Assert.Equal(["w2_grad"], result.Model.Graph.Output.Select(o => o.Name));
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.Output.Contains("loss2"));
        AssertClose(SingleLossGradients("loss1", ["w2"])["w2_grad"].FloatData, Run(result, s_feed)["w2_grad"].FloatData);
    }

    [Fact]
    public void Differentiate_UnusedInput_GetsZeroGradientOfItsShape()
    {
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest
        {
            Losses = ["loss1"],
            WithRespectTo = ["w2", "w3"],
            PerLossWithRespectTo = ["w3"],
        });

        var outputs = Run(result, s_feed);
        Assert.Equal([2L, 6], outputs["w3_grad"].Shape);
        Assert.All(outputs["w3_grad"].FloatData, v => Assert.Equal(0f, v));
        Assert.All(outputs["w3_grad.loss1"].FloatData, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Differentiate_GradientOutputs_AreProducedWithoutIdentity()
    {
        var result = AutodiffApi.Differentiate(TwoTaskModel(), new GradientRequest
        {
            Losses = ["loss1", "loss2"],
            WithRespectTo = ["w1", "b1", "w2", "w3"],
        });

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "Identity");
        Assert.All(result.GradientOutputs.Values, name => Assert.Single(result.Model.Graph.Node, n => n.Output.Contains(name)));
    }

    [Fact]
    public void Differentiate_IntegerPathsAndNonDifferentiableOps_PassNothingBack()
    {
        // y = x · rows(x) + Cast(ArgMax(x)): the row count and the argmax carry no gradient.
        var b = new GraphBuilder("integers", 17);
        var x = b.AddInput("x", ElementType.Float, "batch", 3);
        var rows = b.Node("Cast", [b.Node("Gather", [b.Node("Shape", [x]), ModelFactory.Int64s(b, [0])])], Attr.Int("to", 1));
        var arg = b.Node("Cast", [b.Node("ArgMax", [x], Attr.Int("axis", 1))], Attr.Int("to", 1));
        var y = b.Add(b.Mul(x, rows), arg);
        b.AddOutput(y, ElementType.Float);
        GradientChecker.Check(b.ToModel(), new Dictionary<string, TestTensor> { ["x"] = TestTensor.Random([2, 3], 1) }, ["x"]);
    }

    [Fact]
    public void Differentiate_SymbolicBatch_ReducesBroadcastAndReshapesBack()
    {
        var b = new GraphBuilder("batch", 17);
        var x = b.AddInput("x", ElementType.Float, "batch", "seq", 4);
        var w = b.AddInput("w", ElementType.Float, 4, 3);
        var bias = b.AddInput("bias", ElementType.Float, 3);
        var scale = b.AddInput("scale", ElementType.Float, 1, "seq", 1);
        var projected = b.Add(b.MatMul(x, w), bias);
        var scaled = b.Mul(projected, scale);
        var flat = b.Node("Reshape", [scaled, ModelFactory.Int64s(b, [-1, 3])]);
        var y = b.Node("Softmax", [flat], Attr.Int("axis", 1));
        b.AddOutput(y, ElementType.Float);
        var feed = new Dictionary<string, TestTensor>
        {
            ["x"] = TestTensor.Random([2, 3, 4], 1),
            ["w"] = TestTensor.Random([4, 3], 2),
            ["bias"] = TestTensor.Random([3], 3),
            ["scale"] = TestTensor.Random([1, 3, 1], 4),
        };
        GradientChecker.Check(b.ToModel(), feed, ["x", "w", "bias", "scale"]);
    }

    [Fact]
    public void Differentiate_InitializerParameters_BecomeInputsWithDefaults()
    {
        var b = new GraphBuilder("init", 17);
        var x = b.AddInput("x", ElementType.Float, 2, 3);
        var w = b.AddInitializer("w", [3, 2], [1f, 2, 3, 4, 5, 6]);
        b.NewNode("ReduceSum", [b.MatMul(x, w).Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        var result = AutodiffApi.Differentiate(b.ToModel(), new GradientRequest { Losses = ["loss"], WithRespectTo = ["w"] });

        Assert.Contains(result.Model.Graph.Input, i => i.Name == "w");
        var outputs = Run(result, new Dictionary<string, TestTensor> { ["x"] = TestTensor.Floats([2, 3], [1, 2, 3, 4, 5, 6]) });
        Assert.Equal([5f, 5, 7, 7, 9, 9], outputs["w_grad"].FloatData);
    }

    [Fact]
    public void Differentiate_OperatorWithoutRule_ThrowsNamingNodeOperatorAndOpset()
    {
        var b = new GraphBuilder("missing", 17);
        var x = b.AddInput("x", ElementType.Float, 2, 3);
        b.NewNode("Einsum", [x.Name, x.Name], ["y"], "outer", attributes: Attr.String("equation", "ij,ij->i"));
        b.NewNode("ReduceSum", ["y"], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);

        var error = Assert.Throws<GradientNotDefinedException>(() =>
            AutodiffApi.Differentiate(b.ToModel(), new GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] }));

        Assert.Equal("outer", error.NodeName);
        Assert.Equal("Einsum", error.OpType);
        Assert.Equal(17, error.Opset);
        Assert.Contains("Node 'outer' (Einsum, opset 17)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Conv", error.SupportedOperators);
        Assert.Contains("MatMul", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Differentiate_OperatorWithoutRuleOffThePath_IsAccepted()
    {
        var b = new GraphBuilder("offpath", 17);
        var x = b.AddInput("x", ElementType.Float, 2, 3);
        var c = b.AddInput("c", ElementType.Float, 2, 3);
        var constant = b.Node("Einsum", [c, c], Attr.String("equation", "ij,ij->ij"));
        b.NewNode("ReduceSum", [b.Mul(x, constant).Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);

        var result = AutodiffApi.Differentiate(b.ToModel(), new GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] });

        Assert.Equal("x_grad", result.GradientOutputs["x"]);
    }

    [Fact]
    public void Differentiate_UnknownShape_WarnsAndReducesAtRunTime()
    {
        // Einsum has no shape inference here, so the gradient of x·e must find its broadcast axes at run time.
        var b = new GraphBuilder("dynamic", 17);
        var x = b.AddInput("x", ElementType.Float, 3);
        var c = b.AddInput("c", ElementType.Float, 2, 3);
        var e = b.Node("Einsum", [c, c], Attr.String("equation", "ij,ij->ij"));
        b.NewNode("ReduceSum", [b.Mul(x, e).Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        var logger = new ListLogger();

        var result = AutodiffApi.Differentiate(
            b.ToModel(), new GradientRequest { Losses = ["loss"], WithRespectTo = ["x"] }, logger);

        Assert.Contains(logger.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Id.Id == 4);
        Assert.Contains(logger.Entries, e => e.Id.Id == 2);
        var outputs = Run(result, new Dictionary<string, TestTensor>
        {
            ["x"] = TestTensor.Floats([3], [1, 2, 3]),
            ["c"] = TestTensor.Floats([2, 3], [1, 2, 3, 4, 5, 6]),
        });
        Assert.Equal([17f, 29, 45], outputs["x_grad"].FloatData);
    }

    public static TheoryData<string> InvalidRequests() => new() { "missing loss", "unknown tensor", "weight count",
        "both weights", "twice" };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void Differentiate_InvalidRequest_ThrowsArgumentException(string problem)
    {
        var request = problem switch
        {
            "missing loss" => new GradientRequest { Losses = ["nope"], WithRespectTo = ["w1"] },
            "unknown tensor" => new GradientRequest { Losses = ["loss1"], WithRespectTo = ["w9"] },
            "weight count" => new GradientRequest { Losses = ["loss1"], LossWeights = [1f, 2f], WithRespectTo = ["w1"] },
            "both weights" => new GradientRequest
            {
                Losses = ["loss1"], LossWeights = [1f], LossWeightsInput = "lw", WithRespectTo = ["w1"],
            },
            _ => new GradientRequest { Losses = ["loss1"], WithRespectTo = ["w1", "w1"] },
        };

        var error = Assert.Throws<ArgumentException>(() => AutodiffApi.Differentiate(TwoTaskModel(), request));
        Assert.EndsWith(".", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Differentiate_OpsetOutsideRange_Throws()
    {
        var model = TwoTaskModel();
        model.OpsetImport[0].Version = 12;
        var error = Assert.Throws<ArgumentException>(() =>
            AutodiffApi.Differentiate(model, new GradientRequest { Losses = ["loss1"], WithRespectTo = ["w1"] }));
        Assert.Contains("opset 12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_Default_IsReadOnlyAndCopiesAreExtensible()
    {
        Assert.Throws<InvalidOperationException>(() => GradientRuleRegistry.Default.RegisterNonDifferentiable("Foo"));
        var registry = GradientRuleRegistry.CreateDefault();
        registry.RegisterNonDifferentiable("Einsum");
        Assert.Contains("Einsum", registry.SupportedOperators);
        Assert.True(registry.TryGetRule("Conv", 17, out _));
        Assert.False(registry.TryGetRule("Gelu", 17, out _));
        Assert.True(registry.TryGetRule("Gelu", 20, out _));
    }
}
