namespace MtlOnnx.Training.Layers;

/// <summary>How a parameter's initial values are drawn; the defaults mirror PyTorch's layers.</summary>
public enum Init
{
    /// <summary>All zeros.</summary>
    Zeros,

    /// <summary>All ones.</summary>
    Ones,

    /// <summary>Uniform on ±1/√fan_in: PyTorch's default for linear and convolution weights and biases.</summary>
    FanInUniform,

    /// <summary>Uniform on ±√(6/(fan_in + fan_out)): Xavier (Glorot) uniform, as attention projections use.</summary>
    XavierUniform,

    /// <summary>Standard normal: PyTorch's default for embeddings.</summary>
    Normal,

    /// <summary>Normal with standard deviation 0.02: learned positional embeddings, as in ViT and BERT.</summary>
    SmallNormal,
}
