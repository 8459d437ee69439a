using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Split</c>: the output gradients are concatenated back, with zeros for outputs that get none.</summary>
internal sealed class SplitGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var pieces = Enumerable.Range(0, c.OutputCount)
            .Select(i => c.HasOutputGradient(i) ? c.OutputGradient(i) : c.ZerosLike(c.Output(i)))
            .ToArray();
        c.SetInputGradient(0, c.Emit("Concat", pieces, Attr.Int("axis", c.GetInt("axis", 0))));
    }
}
