namespace MtlOnnx.Training.Jobs;

/// <summary>The shared feature extractor of a model.</summary>
public enum TrunkKind
{
    /// <summary>A multilayer perceptron over the flattened input.</summary>
    Mlp,

    /// <summary>The two-convolution LeNet of the Multi-MNIST and Multi-Fashion benchmarks.</summary>
    LeNet,

    /// <summary>A small residual network of basic blocks with batch normalisation.</summary>
    ResNet,

    /// <summary>A small vision transformer: patch embedding and a pre-norm encoder.</summary>
    Vit,

    /// <summary>A text encoder: token and positional embeddings, a transformer encoder and masked mean pooling.</summary>
    TextEncoder,

    /// <summary>A graph imported from an ONNX file, cut at a named feature output.</summary>
    Onnx,
}
