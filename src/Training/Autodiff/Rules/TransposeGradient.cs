using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Transpose</c>: the gradient is transposed back with the inverse permutation.</summary>
internal sealed class TransposeGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var rank = c.RankOf(c.Input(0)) ?? throw c.NotDefined($"the rank of input '{c.Input(0).Name}' is unknown.");
        var perm = c.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        var inverse = new long[perm.Length];
        for (var i = 0; i < perm.Length; i++)
        {
            inverse[perm[i]] = i;
        }

        c.SetInputGradient(0, c.Emit("Transpose", [c.OutputGradient(0)], Attr.Ints("perm", inverse)));
    }
}
