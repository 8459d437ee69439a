using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Layers;

/// <summary>Two-dimensional convolution and pooling.</summary>
public static class ConvolutionLayers
{
    /// <summary>
    /// Adds a 2-D convolution with square kernels, PyTorch's weight layout [out, in, k, k] and initialisation
    /// (uniform on ±1/√(in·k·k)).
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="name">The layer name.</param>
    /// <param name="x">The input, [C, H, W] per sample.</param>
    /// <param name="outChannels">The number of output channels.</param>
    /// <param name="kernel">The kernel size.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="padding">The zero padding on each side.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <returns>The output, [out, H', W'] per sample.</returns>
    /// <exception cref="ArgumentException">The input is not [C, H, W], or the kernel is larger than the padded input.</exception>
    public static Activation Conv2d(
        this NetworkScope scope,
        string name,
        Activation x,
        long outChannels,
        int kernel,
        int stride = 1,
        int padding = 0,
        bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var (c, h, w) = Chw(scope, name, x);
        var oh = ((h + (2 * padding) - kernel) / stride) + 1;
        var ow = ((w + (2 * padding) - kernel) / stride) + 1;
        if (oh < 1 || ow < 1)
        {
            throw new ArgumentException(
                $"Convolution '{scope.NameOf(name)}': kernel {kernel} does not fit the input {h}x{w} with padding {padding}.",
                nameof(x));
        }

        var layer = scope.Child(name);
        var fanIn = c * kernel * kernel;
        var weight = layer.Parameter("weight", [outChannels, c, kernel, kernel], Init.FanInUniform, ParameterRole.Weight, fanIn);
        var b = bias
            ? layer.Parameter("bias", [outChannels], Init.FanInUniform, ParameterRole.Bias, fanIn)
            : GraphValue.None;
        var y = scope.Graph.Conv(
            x.Value,
            weight,
            b,
            strides: stride == 1 ? null : [stride, stride],
            pads: padding == 0 ? null : [padding, padding, padding, padding]);
        return Activation.Of(y, outChannels, oh, ow);
    }

    /// <summary>Adds 2-D max pooling.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input, [C, H, W] per sample.</param>
    /// <param name="kernel">The window size.</param>
    /// <param name="stride">The stride; the window size when 0.</param>
    /// <returns>The pooled output.</returns>
    public static Activation MaxPool2d(this NetworkScope scope, Activation x, int kernel, int stride = 0) =>
        Pool(scope, "MaxPool", x, kernel, stride);

    /// <summary>Adds 2-D average pooling.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input, [C, H, W] per sample.</param>
    /// <param name="kernel">The window size.</param>
    /// <param name="stride">The stride; the window size when 0.</param>
    /// <returns>The pooled output.</returns>
    public static Activation AvgPool2d(this NetworkScope scope, Activation x, int kernel, int stride = 0) =>
        Pool(scope, "AveragePool", x, kernel, stride);

    /// <summary>Averages each channel over its spatial positions.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="x">The input, [C, H, W] per sample.</param>
    /// <returns>The output, [C] per sample.</returns>
    public static Activation GlobalAvgPool(this NetworkScope scope, Activation x)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var (c, _, _) = Chw(scope, "global_pool", x);
        var pooled = scope.Graph.Node("GlobalAveragePool", [x.Value]);
        return Activation.Of(scope.Graph.Node("Flatten", [pooled], Attr.Int("axis", 1)), c);
    }

    private static Activation Pool(NetworkScope scope, string op, Activation x, int kernel, int stride)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        var (c, h, w) = Chw(scope, op, x);
        stride = stride == 0 ? kernel : stride;
        var oh = ((h - kernel) / stride) + 1;
        var ow = ((w - kernel) / stride) + 1;
        var y = scope.Graph.Node(
            op,
            [x.Value],
            Attr.Ints("kernel_shape", kernel, kernel),
            Attr.Ints("strides", stride, stride));
        return Activation.Of(y, c, oh, ow);
    }

    private static (long C, long H, long W) Chw(NetworkScope scope, string name, Activation x)
    {
        if (x.Rank != 3)
        {
            throw new ArgumentException(
                $"Layer '{scope.NameOf(name)}' takes [C, H, W] inputs, but got [{string.Join(", ", x.Shape)}].",
                nameof(x));
        }

        return (x.Shape[0], x.Shape[1], x.Shape[2]);
    }
}
