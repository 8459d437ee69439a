namespace MtlOnnx.Training.Jobs;

/// <summary>How the tasks share the trunk.</summary>
public enum ArchitectureKind
{
    /// <summary>Hard parameter sharing: one trunk and one head per task.</summary>
    HardSharing,

    /// <summary>Multi-gate mixture of experts: shared experts mixed by one softmax gate per task.</summary>
    MultiGateMixtureOfExperts,

    /// <summary>Task-routed experts: each task routes over shared experts, with a task-separation routing loss.</summary>
    TaskRoutedExperts,

    /// <summary>Per-task low-rank adapters on a shared layer, with an orthogonality regulariser between tasks.</summary>
    LowRankAdapters,

    /// <summary>A shared winner-take-all bottleneck layer between the trunk and the heads.</summary>
    WinnerTakeAll,
}
