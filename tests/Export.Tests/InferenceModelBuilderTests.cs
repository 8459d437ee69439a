using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

public sealed class InferenceModelBuilderTests
{
    private static readonly TestModel s_model = TestModel.LeNet();

    [Fact]
    public void Build_LeNet_OutputsEqualEvalGraphWithinTolerance()
    {
        var exported = s_model.Build();
        const int batch = 4;
        var input = new Dictionary<string, (float[], long[])>
        {
            [s_model.InputName] = (s_model.SampleBatch(batch), s_model.BatchShape(batch)),
        };

        var pruned = InferenceModelBuilder.PruneToTasks(s_model.Eval, s_model.Tasks);
        var reference = OrtTestRunner.Run(pruned, input, s_model.Parameters, s_model.Tasks.Select(t => t.Name));
        var actual = OrtTestRunner.Run(exported.Model, input, null, s_model.Tasks.Select(t => t.Name));
        foreach (var task in s_model.Tasks)
        {
            OrtTestRunner.AssertClose(reference[task.Name], actual[task.Name], 1e-5, task.Name);
        }
    }

    [Fact]
    public void Build_LeNet_RemovesTrainingOnlyNodes()
    {
        var exported = s_model.Build();
        var ops = exported.Model.Graph.Node.Select(n => n.OpType).ToList();

        Assert.DoesNotContain("Dropout", ops);
        Assert.DoesNotContain("BatchNormalization", ops);
        Assert.DoesNotContain("Identity", ops);
        Assert.DoesNotContain("SoftmaxCrossEntropyLoss", ops);
        Assert.DoesNotContain("Shape", ops);
        Assert.DoesNotContain("Constant", ops);
        Assert.Equal(4, exported.Report.BatchNormsFolded);
        Assert.Equal(2, exported.Report.DropoutsRemoved);
        Assert.Equal([s_model.InputName], exported.Model.Graph.Input.Select(i => i.Name));
    }

    [Fact]
    public void Build_LeNet_ParametersBecomeInitializersAndUnusedOnesGo()
    {
        var exported = s_model.Build();
        var graph = exported.Model.Graph;
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet();

        Assert.All(graph.Initializer, t => Assert.Contains(t.Name, read));
        Assert.DoesNotContain(graph.Initializer, t => t.Name.StartsWith("bn", StringComparison.Ordinal));
        Assert.Contains(graph.Initializer, t => t.Name == "conv1.weight");
        Assert.Equal(graph.Initializer.Select(t => t.Name).Order(StringComparer.Ordinal), graph.Initializer.Select(t => t.Name));
    }

    [Fact]
    public void Build_LeNet_HasStableOutputNamesAndDynamicBatch()
    {
        var exported = s_model.Build();
        var graph = exported.Model.Graph;

        string[] expected =
        [
            "shape", "size", "defect", "shape_probabilities", "shape_label", "defect_probabilities", "defect_label",
        ];
        Assert.Equal(expected, graph.Output.Select(o => o.Name));
        Assert.All(graph.Output, o => Assert.Equal("batch", o.Type.TensorType.Shape.Dim[0].DimParam));
        Assert.Equal("batch", graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(5, graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal((int)ElementType.Int64, graph.Output[4].Type.TensorType.ElemType);
        Assert.Equal(8, exported.Model.IrVersion);
        Assert.Equal(17, exported.Model.OpsetImport.Single().Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void Build_LeNet_PostProcessingMatchesLogits(int batch)
    {
        var exported = s_model.Build();
        var input = new Dictionary<string, (float[], long[])>
        {
            [s_model.InputName] = (s_model.SampleBatch(batch, seed: batch), s_model.BatchShape(batch)),
        };

        var outputs = OrtTestRunner.Run(exported.Model, input, null, exported.Model.Graph.Output.Select(o => o.Name));
        for (var n = 0; n < batch; n++)
        {
            var logits = outputs["shape"].AsSpan(n * 5, 5).ToArray();
            var probabilities = outputs["shape_probabilities"].AsSpan(n * 5, 5).ToArray();
            var max = logits.Max();
            var sum = logits.Sum(v => Math.Exp(v - max));
            for (var k = 0; k < 5; k++)
            {
                Assert.Equal(Math.Exp(logits[k] - max) / sum, probabilities[k], 5);
            }

            Assert.Equal(Array.IndexOf(logits, max), (int)outputs["shape_label"][n]);
            var defect = outputs["defect"][n];
            Assert.Equal(1 / (1 + Math.Exp(-defect)), outputs["defect_probabilities"][n], 5);
            Assert.Equal(defect > 0 ? 1f : 0f, outputs["defect_label"][n]);
        }
    }

    [Fact]
    public void Build_SameInputTwice_SerializesIdentically()
    {
        var first = OnnxModelIO.ToBytes(s_model.Build().Model);
        var second = OnnxModelIO.ToBytes(TestModel.LeNet().Build().Model);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Build_MissingParameter_ThrowsNamingIt()
    {
        var parameters = new Dictionary<string, TensorProto>(s_model.Parameters);
        parameters.Remove("conv2.weight");
        var options = new InferenceModelOptions { Tasks = s_model.Tasks, InputNames = [s_model.InputName] };

        var error = Assert.Throws<ParameterMismatchException>(() => InferenceModelBuilder.Build(s_model.Eval, parameters, options));
        Assert.Contains("'conv2.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ParameterOfWrongShape_ThrowsWithBothShapes()
    {
        var parameters = new Dictionary<string, TensorProto>(s_model.Parameters)
        {
            ["fc1.bias"] = TensorProtos.FromFloats("fc1.bias", [31], new float[31]),
        };
        var options = new InferenceModelOptions { Tasks = s_model.Tasks, InputNames = [s_model.InputName] };

        var error = Assert.Throws<ParameterMismatchException>(() => InferenceModelBuilder.Build(s_model.Eval, parameters, options));
        Assert.Contains("[31]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[32]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownParameter_ThrowsForeignCheckpoint()
    {
        var parameters = new Dictionary<string, TensorProto>(s_model.Parameters)
        {
            ["encoder.layer0.weight"] = TensorProtos.FromFloats("encoder.layer0.weight", [2], [1f, 2f]),
        };
        var options = new InferenceModelOptions { Tasks = s_model.Tasks };

        var error = Assert.Throws<ParameterMismatchException>(() => InferenceModelBuilder.Build(s_model.Eval, parameters, options));
        Assert.Contains("'encoder.layer0.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TaskReadingMissingTensor_ThrowsListingOutputs()
    {
        var options = new InferenceModelOptions { Tasks = [new ExportTask("color", TaskKind.Multiclass, "nope")] };

        var error = Assert.Throws<ExportException>(() => InferenceModelBuilder.Build(s_model.Eval, s_model.Parameters, options));
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }
}
