namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// Describes an optimizer: the update rule, its hyperparameters, gradient clipping and parameter groups.
/// The defaults are PyTorch's; use <see cref="Sgd"/>, <see cref="Adam"/> or <see cref="AdamW"/> to start from the
/// defaults of one rule.
/// </summary>
public sealed record OptimizerSpec
{
    /// <summary>Gets the update rule. The default is <see cref="OptimizerKind.AdamW"/>.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.AdamW;

    /// <summary>Gets the base learning rate. The default is 1e-3.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Gets the SGD momentum factor; zero (the default) disables momentum.</summary>
    public float Momentum { get; init; }

    /// <summary>Gets the SGD dampening of the gradient added to the momentum buffer. The default is zero.</summary>
    public float Dampening { get; init; }

    /// <summary>Gets whether SGD uses Nesterov momentum. The default is <see langword="false"/>.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Gets Adam's decay rate of the first moment. The default is 0.9.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Gets Adam's decay rate of the second moment. The default is 0.999.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Gets Adam's term added to the denominator. The default is 1e-8.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>
    /// Gets the weight decay: L2 added to the gradient for SGD and Adam, decoupled for AdamW. The default is zero;
    /// <see cref="AdamW"/> starts from PyTorch's 1e-2.
    /// </summary>
    public float WeightDecay { get; init; }

    /// <summary>
    /// Gets the largest global L2 norm of the gradients, over all trainable parameters, or <see langword="null"/>
    /// (the default) for no clipping. Gradients above it are scaled by <c>max / (norm + 1e-6)</c>, as
    /// <c>torch.nn.utils.clip_grad_norm_</c> does, before weight decay is applied.
    /// </summary>
    public float? MaxGradientNorm { get; init; }

    /// <summary>
    /// Gets the explicit parameter groups. Parameters in no group fall into the default groups, described by
    /// <see cref="ExcludeRankOneFromWeightDecay"/>. The default is no explicit groups.
    /// </summary>
    public IReadOnlyList<ParameterGroup> Groups { get; init; } = [];

    /// <summary>
    /// Gets whether parameters of rank 0 or 1 that are in no explicit group (biases, normalisation scales and
    /// shifts) get no weight decay. The default is <see langword="true"/>; set it to <see langword="false"/> to
    /// decay every parameter, as a plain <c>torch.optim</c> optimizer does.
    /// </summary>
    public bool ExcludeRankOneFromWeightDecay { get; init; } = true;

    /// <summary>Creates a specification of SGD with PyTorch's defaults for anything not given.</summary>
    /// <param name="learningRate">The learning rate.</param>
    /// <param name="momentum">The momentum factor.</param>
    /// <param name="dampening">The dampening for momentum.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <param name="weightDecay">The L2 weight decay.</param>
    /// <returns>The specification.</returns>
    public static OptimizerSpec Sgd(
        float learningRate,
        float momentum = 0,
        float dampening = 0,
        bool nesterov = false,
        float weightDecay = 0) => new()
    {
        Kind = OptimizerKind.Sgd,
        LearningRate = learningRate,
        Momentum = momentum,
        Dampening = dampening,
        Nesterov = nesterov,
        WeightDecay = weightDecay,
    };

    /// <summary>Creates a specification of Adam with PyTorch's defaults for anything not given.</summary>
    /// <param name="learningRate">The learning rate.</param>
    /// <param name="beta1">The first-moment decay rate.</param>
    /// <param name="beta2">The second-moment decay rate.</param>
    /// <param name="epsilon">The denominator term.</param>
    /// <param name="weightDecay">The L2 weight decay added to the gradient.</param>
    /// <returns>The specification.</returns>
    public static OptimizerSpec Adam(
        float learningRate = 1e-3f,
        float beta1 = 0.9f,
        float beta2 = 0.999f,
        float epsilon = 1e-8f,
        float weightDecay = 0) => new()
    {
        Kind = OptimizerKind.Adam,
        LearningRate = learningRate,
        Beta1 = beta1,
        Beta2 = beta2,
        Epsilon = epsilon,
        WeightDecay = weightDecay,
    };

    /// <summary>Creates a specification of AdamW with PyTorch's defaults for anything not given.</summary>
    /// <param name="learningRate">The learning rate.</param>
    /// <param name="beta1">The first-moment decay rate.</param>
    /// <param name="beta2">The second-moment decay rate.</param>
    /// <param name="epsilon">The denominator term.</param>
    /// <param name="weightDecay">The decoupled weight decay.</param>
    /// <returns>The specification.</returns>
    public static OptimizerSpec AdamW(
        float learningRate = 1e-3f,
        float beta1 = 0.9f,
        float beta2 = 0.999f,
        float epsilon = 1e-8f,
        float weightDecay = 1e-2f) => new()
    {
        Kind = OptimizerKind.AdamW,
        LearningRate = learningRate,
        Beta1 = beta1,
        Beta2 = beta2,
        Epsilon = epsilon,
        WeightDecay = weightDecay,
    };

    /// <summary>Checks that the hyperparameters are in range and consistent with each other.</summary>
    /// <exception cref="ArgumentException">A hyperparameter is out of range; the message names it.</exception>
    public void Validate()
    {
        Require(
            float.IsFinite(LearningRate) && LearningRate >= 0,
            $"The learning rate must be finite and not negative; it is {LearningRate}.");
        Require(
            float.IsFinite(WeightDecay) && WeightDecay >= 0,
            $"The weight decay must be finite and not negative; it is {WeightDecay}.");
        if (Kind == OptimizerKind.Sgd)
        {
            Require(Momentum is >= 0 and < 1, $"The SGD momentum must be in [0, 1); it is {Momentum}.");
            Require(Dampening is >= 0 and <= 1, $"The SGD dampening must be in [0, 1]; it is {Dampening}.");
            Require(
                !Nesterov || (Momentum > 0 && Dampening == 0),
                $"Nesterov momentum needs a positive momentum and zero dampening; momentum is {Momentum} and " +
                $"dampening is {Dampening}.");
        }
        else
        {
            Require(Beta1 is >= 0 and < 1, $"Adam's beta1 must be in [0, 1); it is {Beta1}.");
            Require(Beta2 is >= 0 and < 1, $"Adam's beta2 must be in [0, 1); it is {Beta2}.");
            Require(float.IsFinite(Epsilon) && Epsilon > 0, $"Adam's epsilon must be positive; it is {Epsilon}.");
        }

        if (MaxGradientNorm is { } maxNorm)
        {
            Require(
                float.IsFinite(maxNorm) && maxNorm > 0,
                $"The largest gradient norm must be positive; it is {maxNorm}.");
        }

        ArgumentNullException.ThrowIfNull(Groups);
        foreach (var group in Groups)
        {
            ArgumentNullException.ThrowIfNull(group);
            Require(!string.IsNullOrEmpty(group.Name), "Every parameter group needs a name.");
            Require(
                group.LearningRate is not { } groupRate || (float.IsFinite(groupRate) && groupRate >= 0),
                $"Parameter group '{group.Name}': the learning rate must be finite and not negative; " +
                $"it is {group.LearningRate}.");
            Require(
                group.LearningRate is null || LearningRate > 0,
                $"Parameter group '{group.Name}' sets its own learning rate, which is kept as a multiple of the base " +
                "learning rate; the base learning rate must then be positive, but it is 0.");
            Require(
                group.WeightDecay is not { } groupDecay || (float.IsFinite(groupDecay) && groupDecay >= 0),
                $"Parameter group '{group.Name}': the weight decay must be finite and not negative; " +
                $"it is {group.WeightDecay}.");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
