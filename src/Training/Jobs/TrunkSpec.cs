namespace MtlOnnx.Training.Jobs;

/// <summary>The shared trunk: its kind and the options that kind reads.</summary>
public sealed class TrunkSpec
{
    /// <summary>Gets the trunk kind. The default is <see cref="TrunkKind.LeNet"/>.</summary>
    public TrunkKind Kind { get; init; } = TrunkKind.LeNet;

    /// <summary>Gets the hidden widths of an MLP trunk. The default is [128, 64].</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [128, 64];

    /// <summary>Gets the convolution channels: LeNet's two layers, or ResNet's stages. Empty means the kind's default.</summary>
    public IReadOnlyList<int> Channels { get; init; } = [];

    /// <summary>Gets the convolution kernel sizes of LeNet's two layers. Empty means [9, 5].</summary>
    public IReadOnlyList<int> Kernels { get; init; } = [];

    /// <summary>Gets the width of the feature vector the trunk outputs, where the kind has one. The default is 50.</summary>
    public int Features { get; init; } = 50;

    /// <summary>Gets the number of basic blocks per ResNet stage. The default is 1.</summary>
    public int BlocksPerStage { get; init; } = 1;

    /// <summary>Gets the ViT patch size in pixels. The default is 4.</summary>
    public int PatchSize { get; init; } = 4;

    /// <summary>Gets the transformer width (ViT and text encoder). The default is 64.</summary>
    public int Dim { get; init; } = 64;

    /// <summary>Gets the number of transformer encoder blocks. The default is 2.</summary>
    public int Depth { get; init; } = 2;

    /// <summary>Gets the number of attention heads. The default is 4.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Gets the width of the transformer MLP as a multiple of <see cref="Dim"/>. The default is 2.</summary>
    public int MlpRatio { get; init; } = 2;

    /// <summary>Gets the dropout probability inside the trunk. The default is 0.</summary>
    public double Dropout { get; init; }

    /// <summary>Gets the ONNX file of an imported trunk, relative to the job file.</summary>
    public string? Path { get; init; }

    /// <summary>Gets the name of the imported graph's tensor that holds the features.</summary>
    public string? FeatureOutput { get; init; }

    /// <summary>Gets the name of the imported graph's input that receives the model input; its first input if null.</summary>
    public string? InputName { get; init; }

    /// <summary>Gets name patterns (<c>*</c> and <c>?</c> wildcards) of parameters that are not trained.</summary>
    public IReadOnlyList<string> Frozen { get; init; } = [];
}
