using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// Gelu (opset 20). Exact form: <c>dX = dY·(Φ(X) + X·φ(X))</c> with Φ the normal CDF <c>½(1 + erf(X/√2))</c> and
/// φ its density. Tanh form (<c>approximate="tanh"</c>), with <c>t = tanh(√(2/π)(X + 0.044715X³))</c>:
/// <c>dX = dY·½(1 + t + X(1 − t²)·√(2/π)(1 + 3·0.044715X²))</c>. The slope is computed in the forward part.
/// </summary>
internal sealed class GeluGradient : IGradientRule
{
    private const double Cubic = 0.044715;

    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var tanh = c.GetString("approximate", "none") == "tanh";
        var slope = c.Shared("slope", () => tanh ? TanhSlope(c, x) : ExactSlope(c, x));
        c.SetInputGradient(0, c.Mul(c.OutputGradient(0), slope));
    }

    private static GraphValue ExactSlope(GradientContext c, GraphValue x)
    {
        GraphValue F(string op, params GraphValue[] inputs) => c.EmitForward(op, inputs);
        var cdf = F("Mul", F("Add", F("Erf", F("Mul", x, c.ScalarLike(1 / Math.Sqrt(2), x))), c.ScalarLike(1, x)),
            c.ScalarLike(0.5, x));
        var density = F("Mul", F("Exp", F("Mul", F("Mul", x, x), c.ScalarLike(-0.5, x))),
            c.ScalarLike(1 / Math.Sqrt(2 * Math.PI), x));
        return F("Add", cdf, F("Mul", x, density));
    }

    private static GraphValue TanhSlope(GradientContext c, GraphValue x)
    {
        GraphValue F(string op, params GraphValue[] inputs) => c.EmitForward(op, inputs);
        var k = Math.Sqrt(2 / Math.PI);
        var square = F("Mul", x, x);
        var inner = F("Mul", F("Mul", x, F("Add", F("Mul", square, c.ScalarLike(Cubic, x)), c.ScalarLike(1, x))),
            c.ScalarLike(k, x));
        var t = F("Tanh", inner);
        var sech2 = F("Sub", c.ScalarLike(1, x), F("Mul", t, t));
        var innerSlope = F("Mul", F("Add", F("Mul", square, c.ScalarLike(3 * Cubic, x)), c.ScalarLike(1, x)),
            c.ScalarLike(k, x));
        var sum = F("Add", F("Add", c.ScalarLike(1, x), t), F("Mul", F("Mul", x, sech2), innerSlope));
        return F("Mul", sum, c.ScalarLike(0.5, x));
    }
}
