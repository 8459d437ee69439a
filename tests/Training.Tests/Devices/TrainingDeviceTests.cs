using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Devices;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Devices;

public sealed class TrainingDeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceKind.Cpu, 0)]
    [InlineData(" CPU ", DeviceKind.Cpu, 0)]
    [InlineData("cuda", DeviceKind.Cuda, 0)]
    [InlineData("cuda:3", DeviceKind.Cuda, 3)]
    [InlineData("Auto", DeviceKind.Auto, 0)]
    public void Parse_KnownNames(string text, DeviceKind kind, int id)
    {
        Assert.Equal((kind, id), TrainingDevice.Parse(text));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    public void Parse_UnknownName_ListsTheKnownOnes(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingDevice.Parse(text));

        Assert.Contains("expected 'cpu', 'cuda', 'cuda:<id>' or 'auto'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_WithoutCuda_FallsBackWithOneLogLine_AndCudaFailsClearly()
    {
        var logger = new ListLogger();
        using var auto = TrainingDevice.Resolve("auto", logger);

        if (auto.IsCuda)
        {
            // A machine with a working CUDA provider: auto picks it and says nothing about a fallback.
            Assert.Null(auto.FallbackReason);
            Assert.DoesNotContain(logger.Entries, l => l.Level == LogLevel.Warning);
            using var cuda = TrainingDevice.Resolve("cuda");
            Assert.True(cuda.IsCuda);
            return;
        }

        var warning = Assert.Single(logger.Entries, l => l.Level == LogLevel.Warning);
        Assert.StartsWith("Device 'auto': CUDA is not available (", warning.Message, StringComparison.Ordinal);
        Assert.EndsWith("); training runs on the CPU.", warning.Message, StringComparison.Ordinal);
        Assert.Equal(DeviceKind.Cpu, auto.Kind);
        Assert.NotNull(auto.FallbackReason);

        var error = Assert.Throws<DeviceUnavailableException>(() => TrainingDevice.Resolve("cuda"));
        Assert.StartsWith(
            "Device 'cuda:0' was requested, but ONNX Runtime cannot use its CUDA execution provider: ",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains("or choose 'cpu' or 'auto'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuTensorSet_OrtValuesShareTheHostBuffer()
    {
        using var device = TrainingDevice.Cpu();
        var layout = new ParameterLayout([new ParameterDescriptor("a", [2]), new ParameterDescriptor("b", [3])]);
        using var set = device.Allocate(layout);
        set.CopyFrom([1f, 2, 3, 4, 5]);

        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, 3);
        b.AddOutput(b.Node("Neg", [x]), ElementType.Float, [3]);
        using var options = device.CreateSessionOptions(intraOpThreads: 1);
        using var session = new InferenceSession(OnnxModelIO.ToBytes(b.ToModel()), options);
        using var runOptions = new RunOptions();
        set.HostSpan[4] = 50f;
        using var outputs = session.Run(runOptions, ["x"], [set[1]], [session.OutputNames[0]]);

        Assert.Equal([-3f, -4f, -50f], outputs[0].GetTensorDataAsSpan<float>().ToArray());
        var single = new float[2];
        set.CopyTo(0, single);
        Assert.Equal([1f, 2f], single);
        var error = Assert.Throws<ArgumentException>(() => set.CopyFrom(1, [1f]));
        Assert.Contains("'b' [3] holds 3", error.Message, StringComparison.Ordinal);
    }
}
