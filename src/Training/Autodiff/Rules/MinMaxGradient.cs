using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// Elementwise Min and Max over any number of broadcast inputs: each input gets <c>dY</c> where it equals the
/// result, split evenly between inputs that tie (as PyTorch's minimum and maximum).
/// </summary>
internal sealed class MinMaxGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var y = c.Output(0);
        var dy = c.OutputGradient(0);
        if (c.InputCount == 1)
        {
            c.SetInputGradient(0, dy);
            return;
        }

        var masks = Enumerable.Range(0, c.InputCount)
            .Select(i => c.Shared($"mask{i}", () => c.EmitForward("Cast", [c.EmitForward("Equal", [c.Input(i), y])],
                Attr.Int("to", (long)c.ElementTypeOf(y)))))
            .ToArray();
        var count = c.Shared("count", () => masks.Skip(1).Aggregate(masks[0], (s, m) => c.EmitForward("Add", [s, m])));
        var share = c.Div(dy, count);
        for (var i = 0; i < c.InputCount; i++)
        {
            if (c.NeedsGradient(i))
            {
                c.SetInputGradient(i, c.ReduceToShape(c.Mul(share, masks[i]), c.Input(i)));
            }
        }
    }
}
