using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Y = A·B</c> with NumPy batching: <c>dA = dY·Bᵀ</c>, <c>dB = Aᵀ·dY</c>, summed over broadcast batch axes.
/// Matrices use <c>Gemm</c> with transposition flags; a batched input times a matrix folds the batch into rows
/// so the weight gradient is one <c>Gemm</c>. One-dimensional operands are promoted and demoted as NumPy does.
/// </summary>
internal sealed class MatMulGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var dy = c.OutputGradient(0);
        var ra = c.RankOf(a) ?? throw c.NotDefined($"the rank of input '{a.Name}' is unknown.");
        var rb = c.RankOf(b) ?? throw c.NotDefined($"the rank of input '{b.Name}' is unknown.");
        if (ra == 1 && rb == 1)
        {
            SetBoth(c, c.Mul(dy, b), c.Mul(dy, a));
            return;
        }

        if (ra == 1)
        {
            // [K]·[..., K, N]: treat A as [1, K] and dY as [..., 1, N].
            var a2 = c.Unsqueeze(a, [0]);
            var dy2 = c.Unsqueeze(dy, [-2]);
            if (c.NeedsGradient(0))
            {
                var g = c.ReduceToShape(c.Emit("MatMul", [dy2, SwapLast(c, b)]), a2);
                c.SetInputGradient(0, c.Squeeze(g, [0]));
            }

            if (c.NeedsGradient(1))
            {
                c.SetInputGradient(1, c.ReduceToShape(c.Emit("MatMul", [SwapLast(c, a2), dy2]), b));
            }

            return;
        }

        if (rb == 1)
        {
            // [..., M, K]·[K]: treat B as [K, 1] and dY as [..., M, 1].
            var b2 = c.Unsqueeze(b, [1]);
            var dy2 = c.Unsqueeze(dy, [-1]);
            if (c.NeedsGradient(0))
            {
                c.SetInputGradient(0, c.ReduceToShape(c.Emit("MatMul", [dy2, SwapLast(c, b2)]), a));
            }

            if (c.NeedsGradient(1))
            {
                var g = c.ReduceToShape(c.Emit("MatMul", [SwapLast(c, a), dy2]), b2);
                c.SetInputGradient(1, c.Squeeze(g, [1]));
            }

            return;
        }

        if (ra == 2 && rb == 2)
        {
            if (c.NeedsGradient(0))
            {
                c.SetInputGradient(0, c.Emit("Gemm", [dy, b], Attr.Int("transB", 1)));
            }

            if (c.NeedsGradient(1))
            {
                c.SetInputGradient(1, c.Emit("Gemm", [a, dy], Attr.Int("transA", 1)));
            }

            return;
        }

        if (c.NeedsGradient(0))
        {
            c.SetInputGradient(0, c.ReduceToShape(c.Emit("MatMul", [dy, SwapLast(c, b)]), a));
        }

        if (c.NeedsGradient(1))
        {
            var shapeB = c.StaticShapeOf(b);
            if (rb == 2 && shapeB is not null)
            {
                // Fold the batch axes of A and dY into rows: dB = A₂ᵀ·dY₂ in one Gemm.
                var a2 = c.Emit("Reshape", [a, c.Int64s(-1, shapeB[0])]);
                var dy2 = c.Emit("Reshape", [dy, c.Int64s(-1, shapeB[1])]);
                c.SetInputGradient(1, c.Emit("Gemm", [a2, dy2], Attr.Int("transA", 1)));
            }
            else
            {
                c.SetInputGradient(1, c.ReduceToShape(c.Emit("MatMul", [SwapLast(c, a), dy]), b));
            }
        }
    }

    private static void SetBoth(GradientContext c, GraphValue da, GraphValue db)
    {
        c.SetInputGradient(0, da);
        c.SetInputGradient(1, db);
    }

    private static GraphValue SwapLast(GradientContext c, GraphValue x)
    {
        var rank = c.RankOf(x)!.Value;
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return c.Shared($"T:{x.Name}", () => c.Emit("Transpose", [x], Attr.Ints("perm", perm)));
    }
}
