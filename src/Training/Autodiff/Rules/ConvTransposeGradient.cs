using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// ConvTranspose: <c>dX</c> is a Conv of <c>dY</c> with the same W, strides, pads, dilations and groups;
/// <c>dW</c> is the Conv weight gradient with the roles of input and output exchanged; <c>dB</c> sums <c>dY</c>.
/// </summary>
internal sealed class ConvTransposeGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient(0);
        var g = WindowGeometry.Read(c);
        var group = c.GetInt("group", 1);
        if (c.NeedsGradient(0))
        {
            var attributes = new List<AttributeProto>(g.Attributes()) { Attr.Ints("kernel_shape", g.Kernel) };
            if (group != 1)
            {
                attributes.Add(Attr.Int("group", group));
            }

            c.SetInputGradient(0, c.Emit("Conv", [dy, c.Input(1)], [.. attributes]));
        }

        if (c.NeedsGradient(1))
        {
            c.SetInputGradient(1, ConvolutionGradients.Weight(c, dy, c.Input(0), g, group));
        }

        if (c.NeedsGradient(2))
        {
            c.SetInputGradient(2, ConvolutionGradients.Bias(c, dy, g.Count));
        }
    }
}
