using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Layers;

/// <summary>
/// A float tensor flowing through a model under construction, with its shape per sample (the batch dimension
/// left out), so that layers can size their parameters.
/// </summary>
/// <param name="Value">The tensor in the graph.</param>
/// <param name="Shape">The shape without the batch dimension, for example [C, H, W], [S, D] or [F].</param>
public readonly record struct Activation(GraphValue Value, IReadOnlyList<long> Shape)
{
    /// <summary>Gets the number of elements per sample.</summary>
    public long Size => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Gets the rank per sample.</summary>
    public int Rank => Shape.Count;

    /// <summary>Gets the last dimension, the feature width.</summary>
    public long Width => Shape[^1];

    /// <summary>Returns an activation that shares the shape with a new value.</summary>
    /// <param name="value">The new value.</param>
    /// <returns>The activation.</returns>
    public Activation With(GraphValue value) => new(value, Shape);

    /// <summary>Returns an activation with a new value and shape.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="shape">The new per-sample shape.</param>
    /// <returns>The activation.</returns>
    public static Activation Of(GraphValue value, params long[] shape) => new(value, shape);
}
