namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// The shape and type rules of the <c>ai.onnx</c> operators that MtlOnnx builds, differentiates and imports. Each rule
/// reads a <see cref="NodeContext"/> and sets what it can prove about the outputs; what it cannot prove stays unknown.
/// </summary>
internal static partial class ShapeRules
{
    private static readonly HashSet<string> s_sameShape = new(StringComparer.Ordinal)
    {
        "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Abs", "Sqrt", "Reciprocal", "Erf", "Sin", "Cos", "Tan",
        "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Floor", "Ceil", "Round", "Sign",
        "Softplus", "Softsign", "LeakyRelu", "Elu", "Selu", "Celu", "Gelu", "HardSigmoid", "HardSwish", "Mish",
        "ThresholdedRelu", "Shrink", "Not", "Clip", "Softmax", "LogSoftmax", "Hardmax", "LRN", "CumSum", "Trilu",
        "InstanceNormalization", "GroupNormalization", "LpNormalization", "MeanVarianceNormalization",
        "ScatterND", "ScatterElements", "Scatter", "BitwiseNot", "ReverseSequence",
    };

    private static readonly HashSet<string> s_broadcastSameType = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu", "BitShift", "Sum", "Max", "Min", "Mean",
        "BitwiseAnd", "BitwiseOr", "BitwiseXor",
    };

    private static readonly HashSet<string> s_broadcastBool = new(StringComparer.Ordinal)
    {
        "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor",
    };

    /// <summary>Applies the rule of the node's operator, if there is one.</summary>
    /// <param name="context">The node.</param>
    /// <returns><see langword="true"/> when the operator has a rule.</returns>
    public static bool Apply(NodeContext context)
    {
        var op = context.Node.OpType;
        if (s_sameShape.Contains(op))
        {
            context.SameAs(0, 0);
            return true;
        }

        if (s_broadcastSameType.Contains(op))
        {
            Broadcasting(context, context.Type(0));
            return true;
        }

        if (s_broadcastBool.Contains(op))
        {
            Broadcasting(context, ElementType.Bool);
            return true;
        }

        if (op.StartsWith("Reduce", StringComparison.Ordinal))
        {
            Reduce(context);
            return true;
        }

        switch (op)
        {
            case "Identity": context.CopyAll(0, 0); return true;
            case "Neg": Neg(context); return true;
            case "EyeLike" or "RandomNormalLike" or "RandomUniformLike" or "Bernoulli": LikeInput(context); return true;
            case "IsNaN" or "IsInf": context.SetOutput(0, ElementType.Bool, context.Shape(0)); return true;
            case "Where": Where(context); return true;
            case "MatMul": MatMul(context); return true;
            case "Gemm": Gemm(context); return true;
            case "Conv": Conv(context); return true;
            case "ConvTranspose": ConvTranspose(context); return true;
            case "MaxPool" or "AveragePool" or "LpPool": Pool(context); return true;
            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool": GlobalPool(context); return true;
            case "BatchNormalization": BatchNormalization(context); return true;
            case "LayerNormalization": LayerNormalization(context); return true;
            case "Dropout": Dropout(context); return true;
            case "Reshape": Reshape(context); return true;
            case "Flatten": Flatten(context); return true;
            case "Transpose": Transpose(context); return true;
            case "Squeeze": Squeeze(context); return true;
            case "Unsqueeze": Unsqueeze(context); return true;
            case "Concat": Concat(context); return true;
            case "Split": Split(context); return true;
            case "Slice": Slice(context); return true;
            case "Gather": Gather(context); return true;
            case "GatherElements": context.SetOutput(0, context.Type(0), context.Shape(1)); return true;
            case "GatherND": GatherND(context); return true;
            case "Expand": Expand(context); return true;
            case "Tile": Tile(context); return true;
            case "Pad": Pad(context); return true;
            case "ArgMax" or "ArgMin": ArgReduce(context); return true;
            case "Cast": Cast(context, (ElementType)context.Int("to", 0)); return true;
            case "CastLike": Cast(context, context.Type(1)); return true;
            case "Shape": Shape(context); return true;
            case "Size": Size(context); return true;
            case "Constant": Constant(context); return true;
            case "ConstantOfShape": ConstantOfShape(context); return true;
            case "Range": Range(context); return true;
            case "SoftmaxCrossEntropyLoss" or "NegativeLogLikelihoodLoss": Loss(context); return true;
            case "Resize" or "Upsample": Resize(context); return true;
            case "TopK": TopK(context); return true;
            case "OneHot": OneHot(context); return true;
            case "NonZero": NonZero(context); return true;
            case "DequantizeLinear": DequantizeLinear(context); return true;
            case "QuantizeLinear": QuantizeLinear(context); return true;
            default: return false;
        }
    }

    private static void Neg(NodeContext context)
    {
        if (context.Input(0) is { } x)
        {
            var values = x.Values?.Select(v => v.Value is { } n ? SymInt.Of(-n) : SymInt.Unknown).ToArray();
            context.SetOutput(0, x.Type, x.Shape, values, x.Floats?.Select(f => -f).ToArray());
        }
    }

    // Operators whose output has the input's shape and, unless the dtype attribute says otherwise, its type.
    private static void LikeInput(NodeContext context)
    {
        var type = context.Attribute("dtype") is { } dtype ? (ElementType)dtype.I : context.Type(0);
        context.SetOutput(0, type, context.Shape(0));
    }

    private static void Broadcasting(NodeContext context, ElementType type)
    {
        var shapes = new List<Dim[]?>();
        for (var i = 0; i < context.InputCount; i++)
        {
            shapes.Add(context.HasInput(i) ? context.Shape(i) : null);
        }

        var shape = DimMath.Broadcast(shapes);
        context.SetOutput(0, type, shape, ElementwiseValues(context), ElementwiseFloats(context));
    }

    private static void Where(NodeContext context) =>
        context.SetOutput(0, context.Type(1), DimMath.Broadcast([context.Shape(0), context.Shape(1), context.Shape(2)]));

    // Integer arithmetic on shape values (torch's exports compute reshape targets this way).
    private static SymInt[]? ElementwiseValues(NodeContext context)
    {
        if (context.InputCount != 2 || context.Values(0) is not { } a || context.Values(1) is not { } b)
        {
            return null;
        }

        var count = Math.Max(a.Length, b.Length);
        if ((a.Length != count && a.Length != 1) || (b.Length != count && b.Length != 1))
        {
            return null;
        }

        var result = new SymInt[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = SymInt.Apply(context.Node.OpType, a[a.Length == 1 ? 0 : i], b[b.Length == 1 ? 0 : i]);
        }

        return result;
    }

    private static double[]? ElementwiseFloats(NodeContext context)
    {
        if (context.InputCount != 2 || context.Input(0)?.Floats is not { } a || context.Input(1)?.Floats is not { } b
            || (a.Length != b.Length && a.Length != 1 && b.Length != 1))
        {
            return null;
        }

        var count = Math.Max(a.Length, b.Length);
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            var x = a[a.Length == 1 ? 0 : i];
            var y = b[b.Length == 1 ? 0 : i];
            result[i] = context.Node.OpType switch
            {
                "Add" => x + y,
                "Sub" => x - y,
                "Mul" => x * y,
                "Div" => x / y,
                _ => double.NaN,
            };
        }

        return result.Any(double.IsNaN) ? null : result;
    }
}
