namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// The per-group scalars of one update, computed the way <see cref="OptimizerGraph"/> computes them: in double from
/// the float hyperparameters, then rounded to float once.
/// </summary>
internal readonly record struct OptimizerScalars
{
    /// <summary>The term <c>clip_grad_norm_</c> adds to the norm before dividing.</summary>
    public const float ClipEpsilon = 1e-6f;

    public float WeightDecay { get; init; }

    public float NegativeLearningRate { get; init; }

    public float Momentum { get; init; }

    public float MomentumFactor { get; init; }

    public float GradientFactor { get; init; }

    public float DecoupledDecayFactor { get; init; }

    public float Beta1 { get; init; }

    public float Beta2 { get; init; }

    public float OneMinusBeta1 { get; init; }

    public float OneMinusBeta2 { get; init; }

    public float BiasCorrection2Sqrt { get; init; }

    public float NegativeStepSize { get; init; }

    public float Epsilon { get; init; }

    public static OptimizerScalars Compute(OptimizerSpec spec, ResolvedParameterGroup group, float learningRate, long step)
    {
        var lr = (double)learningRate * group.LearningRateMultiplier;
        var first = step == 1;
        var biasCorrection1 = 1.0 - Math.Pow(spec.Beta1, step);
        var biasCorrection2 = 1.0 - Math.Pow(spec.Beta2, step);
        return new OptimizerScalars
        {
            WeightDecay = group.WeightDecay,
            NegativeLearningRate = -(float)lr,
            Momentum = spec.Momentum,
            MomentumFactor = first ? 0f : spec.Momentum,
            GradientFactor = first ? 1f : (float)(1.0 - spec.Dampening),
            DecoupledDecayFactor = (float)(1.0 - (lr * group.WeightDecay)),
            Beta1 = spec.Beta1,
            Beta2 = spec.Beta2,
            OneMinusBeta1 = (float)(1.0 - spec.Beta1),
            OneMinusBeta2 = (float)(1.0 - spec.Beta2),
            BiasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2),
            NegativeStepSize = -(float)(lr / biasCorrection1),
            Epsilon = spec.Epsilon,
        };
    }
}
