using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// <c>SpaceToDepth</c> and <c>DepthToSpace</c>: both only move elements, so the gradient is moved back by the
/// inverse rearrangement. <c>SpaceToDepth</c> and <c>DepthToSpace</c> in <c>DCR</c> mode invert each other; the
/// <c>CRD</c> mode is inverted by its own reshape and transpose. A reshape to the input's shape follows, which gives
/// the result its shape facts (the shape inference has no rules for these operators).
/// </summary>
internal sealed class SpaceToDepthGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var block = c.GetInt("blocksize", 0);
        if (block < 1)
        {
            throw c.NotDefined("its blocksize attribute is missing.");
        }

        var dy = c.OutputGradient(0);
        GraphValue moved;
        if (c.OpType == "SpaceToDepth")
        {
            moved = c.Emit("DepthToSpace", [dy], Attr.Int("blocksize", block), Attr.String("mode", "DCR"));
        }
        else if (c.GetString("mode", "DCR") == "DCR")
        {
            moved = c.Emit("SpaceToDepth", [dy], Attr.Int("blocksize", block));
        }
        else
        {
            // CRD: y[n, c, h·b + i, w·b + j] = x[n, (c·b + i)·b + j, h, w]; gather the blocks back into channels.
            var shape = c.StaticShapeOf(c.Input(0))?.Skip(1).ToArray()
                ?? throw c.NotDefined("the CRD mode needs fixed channel and spatial sizes.");
            var (channels, height, width) = (shape[0] / (block * block), shape[1], shape[2]);
            var split = c.Emit("Reshape", [dy, c.Int64s(-1, channels, height, block, width, block)]);
            moved = c.Emit("Transpose", [split], Attr.Ints("perm", 0, 1, 3, 5, 2, 4));
        }

        c.SetInputGradient(0, c.Emit("Reshape", [moved, c.TargetShape(c.Input(0))]));
    }
}
