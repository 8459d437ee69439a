using MtlOnnx.Training.Autodiff.Rules;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>Registers the gradient rules that ship with MtlOnnx.</summary>
internal static class BuiltInRules
{
    private static readonly string[] s_nonDifferentiable =
    [
        "Shape", "Size", "Constant", "ConstantOfShape", "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual",
        "Not", "And", "Or", "Xor", "ArgMax", "ArgMin", "NonZero", "Range", "OneHot", "Floor", "Ceil", "Round",
        "Sign", "EyeLike", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Bernoulli",
        "Multinomial", "IsNaN", "IsInf", "BitShift", "Mod", "StringNormalizer", "Hardmax",
    ];

    public static GradientRuleRegistry Create(bool readOnly)
    {
        var r = new GradientRuleRegistry();
        foreach (var op in s_nonDifferentiable)
        {
            r.RegisterNonDifferentiable(op);
        }

        r.Register("Add", new AddGradient());
        r.Register("Sub", new SubGradient());
        r.Register("Mul", new MulGradient());
        r.Register("Div", new DivGradient());
        r.Register("Neg", new NegGradient());
        r.Register("Identity", new IdentityGradient());
        r.Register("Cast", new CastGradient());
        r.Register("Relu", new ReluGradient());
        r.Register("Sigmoid", new SigmoidGradient());
        r.Register("Tanh", new TanhGradient());
        r.Register("Exp", new ExpGradient());
        r.Register("Log", new LogGradient());
        r.Register("Sqrt", new SqrtGradient());
        r.Register("Reciprocal", new ReciprocalGradient());
        r.Register("Abs", new AbsGradient());
        r.Register("Erf", new ErfGradient());
        r.Register("MatMul", new MatMulGradient());
        r.Register("Gemm", new GemmGradient());
        r.Register("Reshape", new ReshapeGradient());
        r.Register("Flatten", new ReshapeGradient());
        r.Register("Squeeze", new SqueezeGradient());
        r.Register("Unsqueeze", new UnsqueezeGradient());
        r.Register("ReduceSum", new ReduceSumGradient(mean: false));
        r.Register("ReduceMean", new ReduceSumGradient(mean: true));
        r.Register("ReduceMax", new ReduceMaxGradient());
        r.Register("ReduceMin", new ReduceMaxGradient());
        r.Register("ReduceL2", new ReduceL2Gradient());
        r.Register("ReduceLogSumExp", new ReduceLogSumExpGradient());
        r.Register("Softmax", new SoftmaxGradient(), sinceVersion: 13);
        r.Register("LogSoftmax", new LogSoftmaxGradient(), sinceVersion: 13);
        r.Register("SoftmaxCrossEntropyLoss", new SoftmaxCrossEntropyLossGradient(), sinceVersion: 13);
        r.Register("NegativeLogLikelihoodLoss", new NegativeLogLikelihoodLossGradient(), sinceVersion: 13);
        r.Register("Pow", new PowGradient());
        r.Register("LeakyRelu", new LeakyReluGradient());
        r.Register("Elu", new EluGradient());
        r.Register("Softplus", new SoftplusGradient());
        r.Register("Gelu", new GeluGradient(), sinceVersion: 20);
        r.Register("Clip", new ClipGradient(), sinceVersion: 11);
        r.Register("Min", new MinMaxGradient());
        r.Register("Max", new MinMaxGradient());
        r.Register("Where", new WhereGradient());
        r.Register("Sum", new SumGradient(mean: false));
        r.Register("Mean", new SumGradient(mean: true));
        r.Register("Transpose", new TransposeGradient());
        r.Register("Concat", new ConcatGradient());
        r.Register("Split", new SplitGradient(), sinceVersion: 13);
        r.Register("Slice", new SliceGradient(), sinceVersion: 10);
        r.Register("Gather", new GatherGradient());
        r.Register("Expand", new ExpandGradient());
        r.Register("Tile", new TileGradient());
        r.Register("SpaceToDepth", new SpaceToDepthGradient());
        r.Register("DepthToSpace", new SpaceToDepthGradient());
        r.Register("Pad", new PadGradient(), sinceVersion: 11);
        r.Register("Conv", new ConvGradient());
        r.Register("ConvTranspose", new ConvTransposeGradient());
        r.Register("MaxPool", new MaxPoolGradient());
        r.Register("AveragePool", new AveragePoolGradient());
        r.Register("GlobalAveragePool", new GlobalAveragePoolGradient());
        r.Register("BatchNormalization", new BatchNormalizationGradient());
        r.Register("LayerNormalization", new LayerNormalizationGradient(), sinceVersion: 17);
        r.Register("Dropout", new DropoutGradient(), sinceVersion: 12);
        r.IsReadOnly = readOnly;
        return r;
    }
}
