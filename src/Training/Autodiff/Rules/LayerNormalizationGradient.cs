using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// LayerNormalization (opset 17), reusing the node's Mean and InvStdDev outputs (requested from the forward node):
/// with <c>x̂ = (X − μ)·σ⁻¹</c> and <c>g = dY·γ</c>,
/// <c>dX = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))</c> over the normalized axes, <c>dγ = Σ dY·x̂</c>,
/// <c>dβ = Σ dY</c>.
/// </summary>
internal sealed class LayerNormalizationGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var scale = c.Input(1);
        var dy = c.OutputGradient(0);
        var rank = c.RankOf(x) ?? throw c.NotDefined($"the rank of input '{x.Name}' is unknown.");
        var axis = c.GetInt("axis", -1);
        axis = axis < 0 ? axis + rank : axis;
        var normalizedAxes = Enumerable.Range((int)axis, rank - (int)axis).Select(i => (long)i).ToArray();
        var mean = c.RequestForwardOutput(1, "mean");
        var invStd = c.RequestForwardOutput(2, "inv_std");
        var type = c.ElementTypeOf(x);
        var normalized = c.Shared("xhat", () =>
            c.Emit("Mul", [c.Sub(x, c.Cast(mean, type)), c.Cast(invStd, type)]));

        if (c.NeedsGradient(0))
        {
            var g = c.Mul(dy, scale);
            var meanG = c.ReduceMean(g, normalizedAxes, keepDims: true);
            var meanGx = c.ReduceMean(c.Mul(g, normalized), normalizedAxes, keepDims: true);
            var centered = c.Sub(c.Sub(g, meanG), c.Mul(normalized, meanGx));
            c.SetInputGradient(0, c.Mul(centered, c.Cast(invStd, type)));
        }

        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, c.ReduceToShape(c.Mul(dy, normalized), scale));
        }

        if (c.NeedsGradient(2))
        {
            c.SetInputGradient(2, c.ReduceToShape(dy, c.Input(2)));
        }
    }
}
