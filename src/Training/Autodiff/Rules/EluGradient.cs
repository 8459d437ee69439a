using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = X</c> for X &gt; 0, <c>α(eˣ − 1)</c> otherwise: the slope is 1 or <c>Y + α</c>, read from Y alone.
/// </summary>
internal sealed class EluGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var alpha = c.GetFloat("alpha", 1f);
        var y = c.Output(0);
        var slope = c.Shared("slope", () =>
        {
            var positive = c.EmitForward("Cast", [c.EmitForward("Greater", [y, c.ScalarLike(0, y)])],
                Attr.Int("to", (long)c.ElementTypeOf(y)));
            var negative = c.EmitForward("Add", [y, c.ScalarLike(alpha, y)]);
            var rest = c.EmitForward("Sub", [c.ScalarLike(1, y), positive]);
            return c.EmitForward("Add", [positive, c.EmitForward("Mul", [rest, negative])]);
        });
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }
}
