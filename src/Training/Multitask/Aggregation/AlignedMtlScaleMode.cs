namespace MtlOnnx.Training.Multitask.Aggregation;

/// <summary>Specifies which eigenvalue of the Gram matrix sets the scale of Aligned-MTL's aligned gradients.</summary>
public enum AlignedMtlScaleMode
{
    /// <summary>The smallest retained eigenvalue, as in the paper (the default).</summary>
    Min,

    /// <summary>The median retained eigenvalue.</summary>
    Median,

    /// <summary>The mean retained eigenvalue (the squared root-mean-square singular value).</summary>
    Rmse,
}
