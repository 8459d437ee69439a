using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>Gather</c> (embedding lookups): <c>dY</c> is scattered back with <c>ScatterND(reduction="add")</c> so that
/// repeated indices accumulate (opset 16 and later), or, before opset 16, multiplied by the transposed one-hot
/// matrix of the indices. Other axes are moved to the front first; negative indices are normalized.
/// </summary>
internal sealed class GatherGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var shape = c.ShapeOf(data) ?? throw c.NotDefined($"the shape of input '{data.Name}' is unknown.");
        var q = c.RankOf(indices) ?? throw c.NotDefined($"the rank of indices '{indices.Name}' is unknown.");
        var rank = shape.Count;
        var axis = (int)c.GetInt("axis", 0);
        axis = axis < 0 ? axis + rank : axis;

        // Move the gathered axis to the front: data' = [V, pre..., post...], dY' = [idx..., pre..., post...].
        long[] dataPerm = [axis, .. Enumerable.Range(0, rank).Where(i => i != axis).Select(i => (long)i)];
        var dy = c.OutputGradient(0);
        if (axis != 0)
        {
            var dyPerm = Enumerable.Range(axis, q)
                .Concat(Enumerable.Range(0, axis))
                .Concat(Enumerable.Range(axis + q, rank - axis - 1))
                .Select(i => (long)i).ToArray();
            dy = c.Emit("Transpose", [dy], Attr.Ints("perm", dyPerm));
        }

        var normalized = c.Shared("indices", () => Normalize(c, indices, data, axis));
        var permutedShape = c.Shared("shape", () => PermutedShape(c, data, dataPerm));
        var scattered = c.Opset >= 16
            ? Scatter(c, dy, normalized, permutedShape)
            : OneHotProduct(c, dy, normalized, data, axis, q, permutedShape);

        if (axis != 0)
        {
            var inverse = new long[rank];
            for (var i = 0; i < rank; i++)
            {
                inverse[dataPerm[i]] = i;
            }

            scattered = c.Emit("Transpose", [scattered], Attr.Ints("perm", inverse));
        }

        c.SetInputGradient(0, scattered);
    }

    private static GraphValue Scatter(GradientContext c, GraphValue dy, GraphValue indices, GraphValue shape)
    {
        var zero = TensorProtos.FromFloats(string.Empty, [1], [0f]);
        if (c.ElementTypeOf(dy) == ElementType.Double)
        {
            zero = TensorProtos.Create(string.Empty, ElementType.Double, [1], new[] { 0.0 });
        }

        var zeros = c.Emit("ConstantOfShape", [shape], Attr.Tensor("value", zero));
        var index = c.Unsqueeze(indices, [-1]);
        return c.Emit("ScatterND", [zeros, index, dy], Attr.String("reduction", "add"));
    }

    private static GraphValue OneHotProduct(
        GradientContext c,
        GraphValue dy,
        GraphValue indices,
        GraphValue data,
        int axis,
        int q,
        GraphValue shape)
    {
        var flat = c.Emit("Reshape", [indices, c.Int64s(-1)]);
        var values = c.Constant(TensorProtos.FromFloats(string.Empty, [2], [0f, 1f]));
        var oneHot = c.Cast(
            c.Emit("OneHot", [flat, Depth(c, data, axis), values], Attr.Int("axis", -1)), c.ElementTypeOf(dy));
        var rows = c.Emit("Reshape", [dy, c.Int64s(q == 0 ? 1 : -1, q == 0 ? -1 : Trailing(c, data, axis))]);
        var product = c.Emit("Gemm", [oneHot, rows], Attr.Int("transA", 1));
        return c.Emit("Reshape", [product, shape]);
    }

    private static long Trailing(GradientContext c, GraphValue data, int axis)
    {
        var shape = c.ShapeOf(data)!;
        var rest = shape.Where((_, i) => i != axis).ToArray();
        if (rest.Any(d => !d.IsFixed))
        {
            throw c.NotDefined("the non-gathered dimensions of the data must be fixed before opset 16.");
        }

        return rest.Aggregate(1L, (p, d) => p * d.Value!.Value);
    }

    private static GraphValue Depth(GradientContext c, GraphValue data, int axis) =>
        c.ShapeOf(data)![axis].Value is { } v
            ? c.Int64s(v)
            : c.EmitForward("Gather", [c.Shape(data), c.Int64s(axis)], Attr.Int("axis", 0));

    private static GraphValue Normalize(GradientContext c, GraphValue indices, GraphValue data, int axis)
    {
        var type = c.ElementTypeOf(indices);
        if (c.ConstantInt64s(indices) is { } fixedIndices && fixedIndices.All(i => i >= 0))
        {
            return c.Cast(indices, ElementType.Int64);
        }

        // idx + V·[idx < 0], in int64 as ScatterND wants.
        var toInt64 = Attr.Int("to", (long)ElementType.Int64);
        var wide = type == ElementType.Int64 ? indices : c.EmitForward("Cast", [indices], toInt64);
        var negative = c.EmitForward("Cast", [c.EmitForward("Less", [wide, c.Int64Scalar(0)])], toInt64);
        var depth = c.ShapeOf(data)![axis].Value is { } v
            ? c.Int64Scalar(v)
            : c.EmitForward("Gather", [c.Shape(data), c.Int64Scalar(axis)], Attr.Int("axis", 0));
        return c.EmitForward("Add", [wide, c.EmitForward("Mul", [negative, depth])]);
    }

    private static GraphValue PermutedShape(GradientContext c, GraphValue data, long[] perm)
    {
        if (c.StaticShapeOf(data) is { } s)
        {
            return c.Int64s(perm.Select(p => s[p]).ToArray());
        }

        return c.EmitForward("Gather", [c.Shape(data), c.Int64s(perm)], Attr.Int("axis", 0));
    }
}
