using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// Conv (1-D, 2-D, 3-D; strides, pads, dilations, groups including depthwise). <c>dX</c> is a ConvTranspose of
/// <c>dY</c> with the same W and attributes and the output padding that restores the input size (faster on the
/// CPU provider than a convolution with the flipped kernel); <c>dW</c> is one convolution of transposed tensors;
/// <c>dB</c> sums <c>dY</c>.
/// </summary>
internal sealed class ConvGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        var g = WindowGeometry.Read(c);
        var group = c.GetInt("group", 1);
        if (c.NeedsGradient(0))
        {
            var outputPadding = new long[g.Count];
            for (var i = 0; i < g.Count; i++)
            {
                if (g.Input[i] is not { } size || g.Output[i] is not { } produced)
                {
                    throw c.NotDefined("the input gradient needs fixed spatial sizes.");
                }

                outputPadding[i] = size + g.Pads[i] + g.Pads[i + g.Count] - g.Span(i) - (g.Strides[i] * (produced - 1));
            }

            var attributes = new List<AttributeProto>(g.Attributes()) { Attr.Ints("kernel_shape", g.Kernel) };
            if (group != 1)
            {
                attributes.Add(Attr.Int("group", group));
            }

            if (outputPadding.Any(p => p != 0))
            {
                attributes.Add(Attr.Ints("output_padding", outputPadding));
            }

            c.SetInputGradient(0, c.Emit("ConvTranspose", [dy, c.Input(1)], [.. attributes]));
        }

        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, ConvolutionGradients.Weight(c, c.Input(0), dy, g, group));
        }

        if (c.NeedsGradient(2))
        {
            c.SetInputGradient(2, ConvolutionGradients.Bias(c, dy, g.Count));
        }
    }
}
