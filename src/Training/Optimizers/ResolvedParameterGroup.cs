namespace MtlOnnx.Training.Optimizers;

/// <summary>
/// A parameter group after resolution: its parameters by index in the plan's layout, its learning rate as a
/// multiple of the learning rate the session sets, and its weight decay.
/// </summary>
public sealed class ResolvedParameterGroup
{
    internal ResolvedParameterGroup(string name, double learningRateMultiplier, float weightDecay, int[] parameters)
    {
        Name = name;
        LearningRateMultiplier = learningRateMultiplier;
        WeightDecay = weightDecay;
        ParameterIndices = parameters;
    }

    /// <summary>Gets the group's name.</summary>
    public string Name { get; }

    /// <summary>Gets the factor by which the session's learning rate is multiplied for this group.</summary>
    public double LearningRateMultiplier { get; }

    /// <summary>Gets the group's weight decay.</summary>
    public float WeightDecay { get; }

    /// <summary>Gets the indices of the group's parameters in the plan's layout, in layout order.</summary>
    public IReadOnlyList<int> ParameterIndices { get; }
}
