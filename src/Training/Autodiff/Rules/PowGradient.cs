using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = A^B</c>: <c>dA = dY·B·A^(B−1)</c> (a plain product for the constant exponents 1 and 2),
/// <c>dB = dY·Y·ln A</c>, both summed back over broadcast axes.
/// </summary>
internal sealed class PowGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var dy = c.OutputGradient(0);
        if (c.NeedsGradient(0))
        {
            GraphValue slope;
            if (c.ConstantDoubles(b) is [var exponent])
            {
                slope = exponent switch
                {
                    1 => GraphValue.None,
                    2 => c.Scale(a, 2),
                    _ => c.Scale(c.Emit("Pow", [a, c.Scalar(exponent - 1, c.ElementTypeOf(b))]), exponent),
                };
            }
            else
            {
                slope = c.Mul(c.Cast(b, c.ElementTypeOf(a)), c.Emit("Pow", [a, c.Sub(b, c.ScalarLike(1, b))]));
            }

            var da = slope.IsNone ? dy : c.Mul(dy, slope);
            c.SetInputGradient(0, c.ReduceToShape(da, a));
        }

        if (c.NeedsGradient(1))
        {
            var db = c.Mul(c.Mul(dy, c.Output(0)), c.Emit("Log", [a]));
            c.SetInputGradient(1, c.ReduceToShape(c.Cast(db, c.ElementTypeOf(b)), b));
        }
    }
}
