namespace MtlOnnx.Training.Jobs;

/// <summary>Where the training data comes from.</summary>
public enum DataSourceKind
{
    /// <summary>The built-in procedural shapes data set (dSprites-like), which needs no files.</summary>
    Shapes,

    /// <summary>Two Fashion-MNIST items on a 36×36 canvas, one classification task per item.</summary>
    MultiFashion,

    /// <summary>A CSV manifest: one row per sample, an image path or a text column and one column per task.</summary>
    Csv,

    /// <summary>A JSON Lines manifest: one object per line with the same fields as a CSV manifest.</summary>
    JsonLines,
}
