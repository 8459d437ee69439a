using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// What SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss share: the one-hot labels and the per-sample factor
/// <c>dLoss·w / Σw</c> that folds in class weights, <c>ignore_index</c> and the reduction.
/// </summary>
internal static class ClassLossGradients
{
    /// <summary>Gets the labels as one-hot values along axis 1, with the type of <paramref name="like"/>.</summary>
    public static GraphValue OneHot(GradientContext c, GraphValue labels, GraphValue scores, GraphValue like) =>
        c.Shared("onehot", () =>
        {
            var classes = c.ShapeOf(scores) is { Count: > 1 } s && s[1].Value is { } fixedClasses
                ? c.Int64s(fixedClasses)
                : c.EmitForward("Gather", [c.Shape(scores), c.Int64s(1)], Attr.Int("axis", 0));
            var values = c.Constant(c.ElementTypeOf(like) == ElementType.Double
                ? TensorProtos.Create(string.Empty, ElementType.Double, [2], new[] { 0.0, 1.0 })
                : TensorProtos.FromFloats(string.Empty, [2], [0f, 1f]));
            return c.EmitForward("OneHot", [labels, classes, values], Attr.Int("axis", 1));
        });

    /// <summary>
    /// Gets the factor each sample's gradient is scaled by, shaped [N, 1, d1, ...] (or a scalar) to broadcast over
    /// the class axis.
    /// </summary>
    public static GraphValue SampleFactor(GradientContext c, GraphValue labels, GraphValue weights, GraphValue like)
    {
        var dLoss = c.OutputGradient(0);
        var reduction = c.GetString("reduction", "mean");
        var ignore = c.HasAttribute("ignore_index") ? c.GetInt("ignore_index", 0) : (long?)null;
        var perSample = c.Shared("weights", () => SampleWeights(c, labels, weights, ignore, like));
        GraphValue factor;
        if (reduction == "mean")
        {
            GraphValue denominator;
            if (perSample.IsNone)
            {
                denominator = c.StaticShapeOf(labels) is { } s
                    ? c.ScalarLike(s.Aggregate(1L, (p, d) => p * d), like)
                    : c.Shared("count", () => c.EmitForward(
                        "Cast", [c.EmitForward("Size", [labels])], Attr.Int("to", (long)c.ElementTypeOf(like))));
            }
            else
            {
                denominator = c.Shared("total", () => c.EmitForward("ReduceSum", [perSample], Attr.Int("keepdims", 0)));
            }

            factor = c.Div(dLoss, denominator);
        }
        else
        {
            factor = dLoss;
        }

        if (!perSample.IsNone)
        {
            factor = c.Mul(factor, perSample);
        }

        var rank = c.RankOf(factor) ?? 0;
        return rank == 0 ? factor : c.Unsqueeze(factor, [1]);
    }

    private static GraphValue SampleWeights(
        GradientContext c,
        GraphValue labels,
        GraphValue weights,
        long? ignore,
        GraphValue like)
    {
        var type = (long)c.ElementTypeOf(like);
        if (ignore is null)
        {
            return weights.IsNone ? GraphValue.None : c.EmitForward("Gather", [weights, labels], Attr.Int("axis", 0));
        }

        var labelType = c.ElementTypeOf(labels);
        var ignoreValue = c.Constant(labelType == ElementType.Int32
            ? TensorProtos.Create(string.Empty, labelType, [], new[] { (int)ignore.Value })
            : TensorProtos.FromInt64s(string.Empty, [], [ignore.Value]));
        var keep = c.EmitForward("Not", [c.EmitForward("Equal", [labels, ignoreValue])]);
        var keepNumber = c.EmitForward("Cast", [keep], Attr.Int("to", type));
        if (weights.IsNone)
        {
            return keepNumber;
        }

        // Ignored labels may be out of range for the weight table: gather with 0 there, then mask.
        var safeLabels = c.EmitForward("Mul", [labels, c.EmitForward("Cast", [keep], Attr.Int("to", (long)labelType))]);
        var gathered = c.EmitForward("Gather", [weights, safeLabels], Attr.Int("axis", 0));
        return c.EmitForward("Mul", [gathered, keepNumber]);
    }
}
