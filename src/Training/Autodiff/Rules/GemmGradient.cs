using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = α·A'·B' + β·C</c> (A' = Aᵀ when <c>transA</c>, likewise B'): the input gradients are Gemms with flipped
/// transposition flags and the same α; <c>dC = β·dY</c> summed back to C's shape.
/// </summary>
internal sealed class GemmGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var dy = c.OutputGradient(0);
        var transA = c.GetInt("transA", 0) != 0;
        var transB = c.GetInt("transB", 0) != 0;
        var alpha = c.GetFloat("alpha", 1f);
        var beta = c.GetFloat("beta", 1f);
        if (c.NeedsGradient(0))
        {
            // dA' = α·dY·B'ᵀ; when transA the gradient of A is its transpose, α·B'·dYᵀ.
            var da = transA
                ? Gemm(c, b, dy, transB, true, alpha)
                : Gemm(c, dy, b, false, !transB, alpha);
            c.SetInputGradient(0, da);
        }

        if (c.NeedsGradient(1))
        {
            // dB' = α·A'ᵀ·dY; when transB the gradient of B is α·dYᵀ·A'.
            var db = transB
                ? Gemm(c, dy, a, true, transA, alpha)
                : Gemm(c, a, dy, !transA, false, alpha);
            c.SetInputGradient(1, db);
        }

        if (c.NeedsGradient(2))
        {
            c.SetInputGradient(2, c.ReduceToShape(c.Scale(dy, beta), c.Input(2)));
        }
    }

    private static GraphValue Gemm(GradientContext c, GraphValue x, GraphValue y, bool tx, bool ty, float alpha)
    {
        var attributes = new List<AttributeProto>();
        if (tx)
        {
            attributes.Add(Attr.Int("transA", 1));
        }

        if (ty)
        {
            attributes.Add(Attr.Int("transB", 1));
        }

        if (alpha != 1f)
        {
            attributes.Add(Attr.Float("alpha", alpha));
        }

        return c.Emit("Gemm", [x, y], [.. attributes]);
    }
}
