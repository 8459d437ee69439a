using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Serving.Inference;
using MtlOnnx.Serving.Tests.Infrastructure;

namespace MtlOnnx.Serving.Tests;

/// <summary>
/// The runner's single-row lanes (reused native values over pinned buffers) against a real session of the affine
/// test model: results must be the request's own, whatever ran before or beside it.
/// </summary>
public sealed class OnnxModelRunnerTests : IDisposable
{
    private readonly AffineRunner _affine = new();

    public void Dispose() => _affine.Dispose();

    private OnnxModelRunner Runner => _affine.Runner;

    [Fact]
    public void LoneRows_OutputsSurviveLaterRuns()
    {
        // A lane's buffers are overwritten by the next run: an earlier result must not be a view of them.
        Assert.True(Runner.UsesLanes, "The affine model's single rows should run in lanes.");
        var first = Run(1f, ["y", "s"]);
        var second = Run(5f, ["y", "s"]);

        Assert.Equal([3f, 3f, 3f, 3f], Floats(first[0]));
        Assert.Equal([4f], Floats(first[1]));
        Assert.Equal([11f, 11f, 11f, 11f], Floats(second[0]));
        Assert.Equal([20f], Floats(second[1]));
        Assert.Equal([1L, 4L], first[0].Shape);
        Assert.Equal([1L], first[1].Shape);
    }

    [Theory]
    [InlineData("s,y")]
    [InlineData("y")]
    public void OutputsInAnotherOrderOrASubset_ComeBackAsAsked(string names)
    {
        var outputs = names.Split(',');
        var result = Run(2f, outputs);

        Assert.Equal(outputs, result.Select(t => t.Name));
        foreach (var tensor in result)
        {
            Assert.Equal(tensor.Name == "y" ? [5f, 5f, 5f, 5f] : [8f], Floats(tensor));
        }
    }

    [Fact]
    public async Task ConcurrentLoneRows_EachGetsItsOwnOutputs()
    {
        // More concurrent runs than the lanes a runner keeps, each with its own value, many times over.
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(() =>
        {
            var wrong = 0;
            for (var i = 0; i < 200; i++)
            {
                var value = (worker * 1000) + i;
                var output = Run(value, ["y", "s"]);
                wrong += Floats(output[0]).All(v => v == (value * 2f) + 1) && Floats(output[1])[0] == value * 4f ? 0 : 1;
            }

            return wrong;
        })));

        Assert.All(results, wrong => Assert.Equal(0, wrong));
    }

    [Fact]
    public void SeveralRows_RunWithoutLanes_AndAgree()
    {
        float[] rows = [1, 1, 1, 1, 2, 2, 2, 2];
        var input = InferTensor.Numeric("x", TensorElementType.Float, [2, 4], MemoryMarshal.AsBytes(rows.AsSpan()).ToArray());
        var runOptions = Runner.RentRunOptions();
        var result = Runner.Run([input], ["y", "s"], runOptions);
        Runner.ReturnRunOptions(runOptions);

        Assert.Equal([3f, 3f, 3f, 3f, 5f, 5f, 5f, 5f], Floats(result[0]));
        Assert.Equal([4f, 8f], Floats(result[1]));
    }

    private InferTensor[] Run(float value, string[] outputs)
    {
        var input = AffineRunner.Row(value);
        var runOptions = Runner.RentRunOptions();
        try
        {
            return Runner.Run([input], outputs, runOptions);
        }
        finally
        {
            Runner.ReturnRunOptions(runOptions);
        }
    }

    private static float[] Floats(InferTensor tensor) => AffineRunner.Floats(tensor);
}
