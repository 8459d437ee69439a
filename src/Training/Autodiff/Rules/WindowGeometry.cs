using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// The sliding-window attributes of a Conv, ConvTranspose or pooling node, resolved to explicit values: kernel,
/// strides, dilations and begin/end pads, with the spatial sizes of input and output where they are fixed.
/// </summary>
internal sealed class WindowGeometry
{
    private WindowGeometry(long[] kernel, long[] strides, long[] dilations, long[] pads, long?[] input, long?[] output)
    {
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        Pads = pads;
        Input = input;
        Output = output;
    }

    public long[] Kernel { get; }

    public long[] Strides { get; }

    public long[] Dilations { get; }

    /// <summary>Gets the pads as [begin..., end...].</summary>
    public long[] Pads { get; }

    public long?[] Input { get; }

    public long?[] Output { get; }

    public int Count => Kernel.Length;

    public bool HasStaticSizes => Input.All(i => i.HasValue) && Output.All(o => o.HasValue);

    public long Span(int i) => ((Kernel[i] - 1) * Dilations[i]) + 1;

    /// <summary>Reads the geometry of the context's node; X is input 0, Y output 0, W (for convolutions) input 1.</summary>
    public static WindowGeometry Read(GradientContext c)
    {
        var x = c.ShapeOf(c.Input(0)) ?? throw c.NotDefined($"the shape of input '{c.Input(0).Name}' is unknown.");
        var y = c.ShapeOf(c.Output(0));
        var n = x.Count - 2;
        var kernel = c.GetInts("kernel_shape")
            ?? c.ShapeOf(c.Input(1))?.Skip(2).Select(d => d.Value ?? -1).ToArray();
        if (kernel is null || kernel.Length != n || kernel.Any(k => k < 0))
        {
            throw c.NotDefined("its kernel shape is not known.");
        }

        var strides = c.GetInts("strides") ?? Ones(n);
        var dilations = c.GetInts("dilations") ?? Ones(n);
        var input = x.Skip(2).Select(d => d.Value).ToArray();
        var output = y?.Skip(2).Select(d => d.Value).ToArray() ?? new long?[n];
        long[] pads;
        if (c.OpType == "ConvTranspose")
        {
            pads = TransposePads(c, kernel, strides, dilations, input, n);
        }
        else
        {
            pads = WindowPads(c, input, kernel, strides, dilations)
                ?? throw c.NotDefined("its auto_pad needs spatial sizes that are not fixed.");
        }

        return new WindowGeometry(kernel, strides, dilations, pads, input, output);
    }

    public AttributeProto[] Attributes(bool withPads = true) =>
    [
        Attr.Ints("strides", Strides),
        Attr.Ints("dilations", Dilations),
        .. withPads ? [Attr.Ints("pads", Pads)] : Array.Empty<AttributeProto>(),
    ];

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();

    /// <summary>
    /// Gets the explicit begin and end pads of a convolution or pooling node, resolving <c>auto_pad</c> when the
    /// spatial input sizes are known; null when they are needed and unknown.
    /// </summary>
    private static long[]? WindowPads(GradientContext c, long?[] input, long[] kernel, long[] strides, long[] dilations)
    {
        var n = kernel.Length;
        var autoPad = c.GetString("auto_pad", "NOTSET");
        if (autoPad is "NOTSET" or "")
        {
            return c.GetInts("pads") ?? new long[2 * n];
        }

        var pads = new long[2 * n];
        if (autoPad == "VALID")
        {
            return pads;
        }

        for (var i = 0; i < n; i++)
        {
            if (input[i] is not { } size)
            {
                return null;
            }

            // SAME keeps ceil(size / stride) windows; the odd pad goes at the end (UPPER) or the beginning (LOWER).
            var output = (size + strides[i] - 1) / strides[i];
            var total = Math.Max(0, ((output - 1) * strides[i]) + ((kernel[i] - 1) * dilations[i]) + 1 - size);
            var small = total / 2;
            pads[i] = autoPad == "SAME_LOWER" ? total - small : small;
            pads[i + n] = total - pads[i];
        }

        return pads;
    }

    private static long[] TransposePads(
        GradientContext c,
        long[] kernel,
        long[] strides,
        long[] dilations,
        long?[] input,
        int n)
    {
        var outputShape = c.GetInts("output_shape");
        var autoPad = c.GetString("auto_pad", "NOTSET");
        if (outputShape is null && autoPad is "NOTSET" or "VALID" or "")
        {
            return autoPad == "VALID" ? new long[2 * n] : c.GetInts("pads") ?? new long[2 * n];
        }

        var outputPadding = c.GetInts("output_padding") ?? new long[n];
        var pads = new long[2 * n];
        for (var i = 0; i < n; i++)
        {
            var size = input[i]
                ?? throw c.NotDefined("its output_shape or auto_pad needs spatial sizes that are not fixed.");
            var target = outputShape is not null ? outputShape[outputShape.Length - n + i] : size * strides[i];
            var total = (strides[i] * (size - 1)) + outputPadding[i] + ((kernel[i] - 1) * dilations[i]) + 1 - target;
            if (autoPad == "SAME_UPPER")
            {
                pads[i] = total / 2;
                pads[i + n] = total - (total / 2);
            }
            else
            {
                pads[i] = total - (total / 2);
                pads[i + n] = total / 2;
            }
        }

        return pads;
    }
}
