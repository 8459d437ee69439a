using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Onnx;

public sealed class GraphBuilderTests
{
    [Fact]
    public void Linear_RunsInOnnxRuntime_MatchesManualProduct()
    {
        var b = new GraphBuilder();
        var x = b.AddInput("x", ElementType.Float, "batch", 3);
        var w = b.AddInitializer("w", [2, 3], [1f, 2, 3, 4, 5, 6]);
        var bias = b.AddInitializer("b", [2], [0.5f, -0.5f]);
        var y = b.Linear(x, w, bias);
        b.AddOutput(y, ElementType.Float, ["batch", 2]);
        var bytes = OnnxModelIO.ToBytes(b.ToModel());

        using var session = new InferenceSession(bytes);
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 0, -1, 2, 2, 2 }, [2, 3]);
        using var outputs = session.Run(new RunOptions(), [ "x" ], [ input ], [ y.Name ]);
        var result = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        float[] expected = [1 - 3 + 0.5f, 4 - 6 - 0.5f, 12 + 0.5f, 30 - 0.5f];
        Assert.Equal(expected, result);
    }
}
