using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// BatchNormalization in inference mode, with the given mean and variance held constant:
/// <c>dX = dY·γ/σ</c>, <c>dγ = Σ dY·x̂</c>, <c>dβ = Σ dY</c> over batch and spatial axes. Training-mode nodes
/// never reach this rule: they are rewritten into batch statistics built from primitives before differentiation.
/// </summary>
internal sealed class BatchNormalizationGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var rank = c.RankOf(x) ?? throw c.NotDefined($"the rank of input '{x.Name}' is unknown.");
        long[] axes = [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];
        var epsilon = c.GetFloat("epsilon", 1e-5f);
        var dy = c.OutputGradient(0);
        var scale = c.Input(1);
        var invStd = c.Shared("invstd", () => c.EmitForward(
            "Reciprocal", [c.EmitForward("Sqrt", [c.EmitForward("Add", [c.Input(4), c.ScalarLike(epsilon, x)])])]));
        GraphValue Channel(GraphValue perChannel) => c.Unsqueeze(perChannel, axes);

        if (c.NeedsGradient(0))
        {
            c.SetInputGradient(0, c.Mul(dy, Channel(c.Mul(scale, invStd))));
        }

        var needsScaleGradient = c.NeedsGradient(1) || c.NeedsGradient(4);
        var dScale = GraphValue.None;
        if (needsScaleGradient)
        {
            var normalized = c.Mul(c.Sub(x, Channel(c.Input(3))), Channel(invStd));
            dScale = c.ReduceSum(c.Mul(dy, normalized), axes, keepDims: false);
            c.SetInputGradient(1, dScale);
        }

        var dBias = c.NeedsGradient(2) || c.NeedsGradient(3) ? c.ReduceSum(dy, axes, keepDims: false) : GraphValue.None;
        c.SetInputGradient(2, dBias);
        if (c.NeedsGradient(3))
        {
            c.SetInputGradient(3, c.Neg(c.Mul(dBias, c.Mul(scale, invStd))));
        }

        if (c.NeedsGradient(4))
        {
            var factor = c.Mul(c.Mul(scale, c.Mul(invStd, invStd)), c.ScalarLike(-0.5, x));
            c.SetInputGradient(4, c.Mul(dScale, factor));
        }
    }
}
