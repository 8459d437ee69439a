namespace MtlOnnx.Training.Layers;

/// <summary>What a parameter of a built model is for.</summary>
public enum ParameterRole
{
    /// <summary>A weight matrix or kernel; weight decay applies.</summary>
    Weight,

    /// <summary>A bias; no weight decay by default.</summary>
    Bias,

    /// <summary>A normalisation scale or shift; no weight decay by default.</summary>
    Norm,

    /// <summary>An embedding table or a learned positional embedding.</summary>
    Embedding,

    /// <summary>A running statistic (batch normalisation): not trained, updated by the forward pass.</summary>
    Buffer,
}
