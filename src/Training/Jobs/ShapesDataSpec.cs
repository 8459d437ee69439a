namespace MtlOnnx.Training.Jobs;

/// <summary>Options of the built-in procedural shapes data set.</summary>
public sealed class ShapesDataSpec
{
    /// <summary>Gets the image side in pixels. The default is 32.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Gets the number of training samples. The default is 12,000.</summary>
    public int TrainSize { get; init; } = 12_000;

    /// <summary>Gets the number of validation samples. The default is 1,000.</summary>
    public int ValidationSize { get; init; } = 1_000;

    /// <summary>Gets the number of test samples. The default is 2,000.</summary>
    public int TestSize { get; init; } = 2_000;

    /// <summary>
    /// Gets whether combinations of factors are held out of training (each shape in one quadrant), and the test
    /// split holds only those combinations. The default is <see langword="false"/>.
    /// </summary>
    public bool CompositionalHoldout { get; init; }
}
