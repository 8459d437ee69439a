namespace MtlOnnx.Training.Jobs;

/// <summary>How the tasks share the trunk, and the options of each sharing scheme.</summary>
public sealed class ArchitectureSpec
{
    /// <summary>Gets the architecture. The default is <see cref="ArchitectureKind.HardSharing"/>.</summary>
    public ArchitectureKind Kind { get; init; } = ArchitectureKind.HardSharing;

    /// <summary>Gets the number of shared experts (mixture of experts, task routing). The default is 4.</summary>
    public int Experts { get; init; } = 4;

    /// <summary>Gets the hidden widths of each expert MLP; its last entry is the expert output width.</summary>
    public IReadOnlyList<int> ExpertHidden { get; init; } = [64];

    /// <summary>Gets the weight of the task-separation routing loss. The default is 0.01.</summary>
    public double RoutingWeight { get; init; } = 0.01;

    /// <summary>Gets the rank of each task's adapter. The default is 4.</summary>
    public int Rank { get; init; } = 4;

    /// <summary>Gets the adapter scale numerator: adapters are scaled by alpha / rank. The default is 8.</summary>
    public double Alpha { get; init; } = 8;

    /// <summary>Gets the weight of the orthogonality regulariser between adapters. The default is 0.01.</summary>
    public double OrthogonalityWeight { get; init; } = 0.01;

    /// <summary>Gets the width of the winner-take-all layer. The default is 64.</summary>
    public int Units { get; init; } = 64;

    /// <summary>Gets the size of each winner-take-all group; one unit per group stays active. The default is 4.</summary>
    public int GroupSize { get; init; } = 4;
}
