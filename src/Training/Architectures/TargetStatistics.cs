namespace MtlOnnx.Training.Architectures;

/// <summary>The mean and standard deviation of each target of a regression task, measured on the training split.</summary>
/// <param name="Mean">One mean per target.</param>
/// <param name="Std">One standard deviation per target; never 0.</param>
public sealed record TargetStatistics(IReadOnlyList<double> Mean, IReadOnlyList<double> Std);
