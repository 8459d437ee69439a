using MtlOnnx.Export.Internal;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

public sealed class PrecisionTests
{
    private const int ValidationCount = 256;
    private static readonly TestModel s_model = TestModel.LeNet(imageSize: 28);

    [Theory]
    [InlineData(ExportPrecision.Float16, 0.52, 0.05)]
    [InlineData(ExportPrecision.Int8, 0.30, 1.0)]
    public void Export_ReducedPrecision_IsSmallerAndClose(ExportPrecision precision, double maxSizeRatio, double maxDifference)
    {
        using var repo = new TempFolder();

        var result = ModelExporter.Export(
            ModelExporterTests.Source(s_model, FloatValidation(s_model)),
            new ExportOptions { Repository = repo.Path, Precision = precision, MaxErrorIncrease = 1e9, MaxAccuracyDrop = 10 });

        var report = result.Precision!;
        Assert.InRange(report.SizeRatio, 0.1, maxSizeRatio);
        Assert.Equal(new FileInfo(result.ModelPath).Length, report.Bytes);
        Assert.InRange(report.MaxOutputDifference, 0, maxDifference);
        Assert.Equal(3, report.Metrics.Count);
        Assert.All(report.Metrics.Where(m => m.HigherIsBetter), m => Assert.InRange(m.Value, 90, 100));
        Assert.Equal(100, report.Metrics.Single(m => m.Task == "shape").Float32);
    }

    [Fact]
    public void Float16_KeepsSensitiveOpsInFloat32AndInterfaceInFloat32()
    {
        var model = s_model.Build().Model.Clone();

        Float16Conversion.Apply(model);

        var graph = model.Graph;
        Assert.All(graph.Input, i => Assert.Equal((int)ElementType.Float, i.Type.TensorType.ElemType));
        Assert.Contains(graph.Initializer, t => t.DataType == (int)ElementType.Float16 && t.Name == "conv1.weight");
        var softmax = graph.Node.Single(n => n.OpType == "Softmax");
        var producer = graph.Node.Single(n => n.Output.Contains(softmax.Input[0]));
        Assert.Equal("Cast", producer.OpType);
        Assert.Equal((long)ElementType.Float, producer.Attribute.Single(a => a.Name == "to").I);
        var outputs = OrtTestRunner.Run(model, Batch(2), null, graph.Output.Select(o => o.Name));
        Assert.Equal(7, outputs.Count);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Int8_UsesIntegerOperatorsAndStaysClose(bool perChannel, bool convolutions)
    {
        var fp32 = s_model.Build().Model;
        var model = fp32.Clone();

        var layers = Int8Quantization.Apply(model, perChannel, convolutions);

        var ops = model.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(convolutions ? 7 : 5, layers);
        Assert.DoesNotContain("MatMul", ops);
        Assert.DoesNotContain("Gemm", ops);
        Assert.Equal(convolutions ? 0 : 2, ops.Count(o => o == "Conv"));
        Assert.Equal(convolutions ? 2 : 0, ops.Count(o => o == "ConvInteger"));
        Assert.Equal(5, ops.Count(o => o == "MatMulInteger"));

        // The three heads read the same trunk tensor and share one DynamicQuantizeLinear of it.
        Assert.Equal(convolutions ? 5 : 3, ops.Count(o => o == "DynamicQuantizeLinear"));
        var names = s_model.Tasks.Select(t => t.Name).ToList();
        var expected = OrtTestRunner.Run(fp32, Batch(8), null, names);
        var actual = OrtTestRunner.Run(model, Batch(8), null, names);
        foreach (var name in names)
        {
            // Eight-bit steps of each layer's input range add up over five layers: a few percent of the range.
            var range = expected[name].Max(Math.Abs);
            var difference = expected[name].Zip(actual[name]).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(difference <= 0.08 * range, $"{name}: largest difference {difference} over a range of {range}.");
        }
    }

    [Fact]
    public void Export_Int8BeyondThreshold_IsRefusedWithFiguresAndWritesNothing()
    {
        using var repo = new TempFolder();

        // Regression targets equal to the float32 outputs: float32 has zero error, so any INT8 error is an increase.
        var error = Assert.Throws<PrecisionRejectedException>(() => ModelExporter.Export(
            ModelExporterTests.Source(s_model, FloatValidation(s_model)),
            new ExportOptions { Repository = repo.Path, Precision = ExportPrecision.Int8, MaxErrorIncrease = 0.05 }));

        Assert.Contains("size: mae", error.Message, StringComparison.Ordinal);
        Assert.Contains("bytes", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Report);
        Assert.True(error.Report!.Metrics.Single(m => m.Task == "size").Degradation > 0.05);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    /// <summary>A validation set labelled with the float32 model's own predictions.</summary>
    private static ValidationSet FloatValidation(TestModel model)
    {
        var inputs = model.SampleBatch(ValidationCount, seed: 99);
        var shape = model.BatchShape(ValidationCount);
        var outputs = OrtTestRunner.Run(
            model.Build().Model,
            new Dictionary<string, (float[], long[])> { [model.InputName] = (inputs, shape) },
            null,
            ["shape_label", "size", "defect_label"]);
        return new ValidationSet(ValidationCount)
            .AddInput(model.InputName, shape, inputs)
            .AddTargets("shape", outputs["shape_label"])
            .AddTargets("size", outputs["size"])
            .AddTargets("defect", outputs["defect_label"]);
    }

    private static Dictionary<string, (float[], long[])> Batch(int batch) =>
        new() { [s_model.InputName] = (s_model.SampleBatch(batch, seed: 5), s_model.BatchShape(batch)) };
}
