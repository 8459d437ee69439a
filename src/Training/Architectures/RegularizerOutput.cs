namespace MtlOnnx.Training.Architectures;

/// <summary>A regulariser loss of an architecture, reported beside the task losses.</summary>
/// <param name="Name">The regulariser's name, for example <c>routing</c> or <c>orthogonality</c>.</param>
/// <param name="OutputName">The scalar graph output holding its unweighted value.</param>
/// <param name="Weight">The weight it enters the total loss with.</param>
public sealed record RegularizerOutput(string Name, string OutputName, double Weight);
