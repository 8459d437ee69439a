using System.Globalization;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;
using AutodiffApi = MtlOnnx.Training.Autodiff.Autodiff;

namespace MtlOnnx.Training.Tests.Autodiff.Support;

/// <summary>
/// Compares the gradients Autodiff emits with float32 central finite differences, both run through ONNX Runtime.
/// </summary>
/// <remarks>
/// The scalar checked is <c>L = Σ Y·R</c> for the model's first output Y and a fixed random R, so every output
/// element matters. Finite differences perturb one input element by ±δ, evaluate Y in float32 and accumulate L
/// in double. An element passes when <c>|analytic − numeric| ≤ atol + rtol·|numeric|</c>. Float32 is used because
/// ORT's CPU Conv and ConvTranspose kernels are float32 only; the defaults (δ = 1e-2, atol = 2e-3, rtol = 1e-2)
/// cover the float32 rounding of Y divided by 2δ and the O(δ²) truncation error for inputs of order one.
/// </remarks>
internal static class GradientChecker
{
    public const double DefaultDelta = 1e-2;
    public const double DefaultAbsoluteTolerance = 2e-3;
    public const double DefaultRelativeTolerance = 1e-2;

    public static double Check(
        ModelProto forward,
        IReadOnlyDictionary<string, TestTensor> inputs,
        IReadOnlyList<string> withRespectTo,
        double delta = DefaultDelta,
        double absoluteTolerance = DefaultAbsoluteTolerance,
        double relativeTolerance = DefaultRelativeTolerance,
        int seed = 7,
        bool forceTrainingMode = false)
    {
        var outputName = forward.Graph.Output[0].Name;
        using var forwardRunner = new OrtRunner(forward);
        var y = forwardRunner.Run(inputs, new[] { outputName })[outputName];
        var r = TestTensor.Random(y.Shape, seed);

        var lossModel = WithDotLoss(forward, outputName, r);
        var result = AutodiffApi.Differentiate(lossModel, new GradientRequest
        {
            Losses = ["loss"],
            WithRespectTo = withRespectTo,
            ForceTrainingMode = forceTrainingMode,
        });
        Assert.All(result.Model.Graph.Node, n => Assert.True(n.Domain.Length == 0, $"Node {n.Name} uses domain {n.Domain}."));
        using var gradientRunner = new OrtRunner(result.Model);
        var gradientNames = withRespectTo.Select(w => result.GradientOutputs[w]).ToArray();
        var analytic = gradientRunner.Run(inputs, gradientNames);

        var worst = 0.0;
        foreach (var name in withRespectTo)
        {
            var input = inputs[name];
            var gradient = analytic[result.GradientOutputs[name]];
            Assert.Equal(input.Shape, gradient.Shape);
            for (var k = 0; k < input.Count; k++)
            {
                var original = input.FloatData[k];
                var plus = Dot(forwardRunner, inputs, name, input.WithFloat(k, (float)(original + delta)), outputName, r);
                var minus = Dot(forwardRunner, inputs, name, input.WithFloat(k, (float)(original - delta)), outputName, r);
                var numeric = (plus - minus) / (2 * delta);
                var actual = gradient.FloatData[k];
                var error = Math.Abs(actual - numeric);
                var allowed = absoluteTolerance + (relativeTolerance * Math.Abs(numeric));
                worst = Math.Max(worst, error / allowed);
                Assert.True(
                    error <= allowed,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"d{outputName}/d{name}[{k}]: analytic {actual:G6}, numeric {numeric:G6}, error {error:G3} > {allowed:G3}."));
            }
        }

        return worst;
    }

    /// <summary>Adds <c>loss = ReduceSum(Y·R)</c> to a forward model.</summary>
    public static ModelProto WithDotLoss(ModelProto forward, string outputName, TestTensor r)
    {
        var b = GraphBuilder.FromModel(forward);
        var weights = b.AddInitializer("dot_weights", r.Shape, r.FloatData);
        var product = b.Node("Mul", [new GraphValue(outputName), weights]);
        b.NewNode("ReduceSum", [product.Name], ["loss"], attributes: Attr.Int("keepdims", 0));
        b.AddOutput(new GraphValue("loss"), ElementType.Float, []);
        return b.ToModel();
    }

    private static double Dot(
        OrtRunner runner,
        IReadOnlyDictionary<string, TestTensor> inputs,
        string replaced,
        TestTensor value,
        string outputName,
        TestTensor r)
    {
        var feed = new Dictionary<string, TestTensor>(inputs, StringComparer.Ordinal) { [replaced] = value };
        var y = runner.Run(feed, new[] { outputName })[outputName].FloatData;
        var sum = 0.0;
        for (var i = 0; i < y.Length; i++)
        {
            sum += (double)y[i] * r.FloatData[i];
        }

        return sum;
    }
}
