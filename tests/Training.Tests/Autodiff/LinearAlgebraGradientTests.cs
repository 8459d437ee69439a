using MtlOnnx.Onnx;
using MtlOnnx.Training.Tests.Autodiff.Support;

namespace MtlOnnx.Training.Tests.Autodiff;

public sealed class LinearAlgebraGradientTests
{
    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 4, 2 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 4, 2 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 2, 4, 5 })]
    [InlineData(new long[] { 2, 1, 3, 4 }, new long[] { 3, 4, 2 })]
    [InlineData(new long[] { 4 }, new long[] { 2, 4, 3 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 4 })]
    [InlineData(new long[] { 4 }, new long[] { 4 })]
    public void MatMul_Gradient_MatchesFiniteDifferences(long[] shapeA, long[] shapeB)
    {
        (string, TestTensor)[] inputs = [("a", TestTensor.Random(shapeA, 1)), ("b", TestTensor.Random(shapeB, 2))];
        var model = ModelFactory.Single("MatMul", inputs, ["a", "b"]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b"]);
    }

    [Theory]
    [InlineData(0, 0, 1f, 1f, new long[] { 2 })]
    [InlineData(1, 0, 1f, 1f, new long[] { 3, 2 })]
    [InlineData(0, 1, 0.5f, 2f, new long[] { 1, 2 })]
    [InlineData(1, 1, -1.5f, 0.25f, new long[] { 3, 1 })]
    [InlineData(0, 1, 1f, 1f, new long[] { })]
    public void Gemm_Gradient_MatchesFiniteDifferences(int transA, int transB, float alpha, float beta, long[] shapeC)
    {
        long m = 3, k = 4, n = 2;
        long[] shapeA = transA == 1 ? [k, m] : [m, k];
        long[] shapeB = transB == 1 ? [n, k] : [k, n];
        (string, TestTensor)[] inputs =
        [
            ("a", TestTensor.Random(shapeA, 1)), ("b", TestTensor.Random(shapeB, 2)), ("c", TestTensor.Random(shapeC, 3)),
        ];
        var model = ModelFactory.Single(
            "Gemm", inputs, ["a", "b", "c"], attributes:
            [
                Attr.Int("transA", transA), Attr.Int("transB", transB), Attr.Float("alpha", alpha), Attr.Float("beta", beta),
            ]);
        GradientChecker.Check(model, ModelFactory.Feed(inputs), ["a", "b", "c"]);
    }
}
