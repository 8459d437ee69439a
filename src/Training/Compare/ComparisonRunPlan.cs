namespace MtlOnnx.Training.Compare;

/// <summary>One training run of a comparison: a method, or a single-task baseline, with one seed.</summary>
/// <param name="Method">The method's registry name, or <see langword="null"/> for a single-task baseline.</param>
/// <param name="BaselineTask">The task a single-task baseline trains, or <see langword="null"/> for a method run.</param>
/// <param name="Seed">The seed the run trains with.</param>
public sealed record ComparisonRunPlan(string? Method, string? BaselineTask, int Seed)
{
    /// <summary>Gets the row label: the method's name, or <c>single-task:TASK</c>.</summary>
    public string Label => Method ?? $"{ComparisonTable.SingleTaskLabel}:{BaselineTask}";
}
