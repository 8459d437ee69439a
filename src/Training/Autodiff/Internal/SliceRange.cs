namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>The elements a slice keeps along one axis.</summary>
/// <param name="Start">The first index kept.</param>
/// <param name="Count">The number of elements kept.</param>
/// <param name="Step">The step between kept indices.</param>
internal readonly record struct SliceRange(long Start, long Count, long Step);
