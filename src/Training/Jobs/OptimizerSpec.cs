namespace MtlOnnx.Training.Jobs;

/// <summary>The optimizer and its hyperparameters; defaults are PyTorch's.</summary>
public sealed class OptimizerSpec
{
    /// <summary>Gets the optimizer. The default is <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;

    /// <summary>Gets the learning rate. The default is 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Gets the weight decay. The default is 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Gets the SGD momentum. The default is 0.</summary>
    public double Momentum { get; init; }

    /// <summary>Gets whether SGD uses Nesterov momentum. The default is <see langword="false"/>.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Gets Adam's first-moment decay. The default is 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Gets Adam's second-moment decay. The default is 0.999.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Gets Adam's epsilon. The default is 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Gets the global gradient-norm clip, or 0 for none. The default is 0.</summary>
    public double ClipNorm { get; init; }
}
