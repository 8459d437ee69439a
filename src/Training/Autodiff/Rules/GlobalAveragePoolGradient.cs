using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>GlobalAveragePool: <c>dX = Expand(dY / (H·W…), shape of X)</c>.</summary>
internal sealed class GlobalAveragePoolGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var x = c.Input(0);
        var shape = c.ShapeOf(x) ?? throw c.NotDefined($"the shape of input '{x.Name}' is unknown.");
        var spatial = shape.Skip(2).ToArray();
        GraphValue scaled;
        if (spatial.All(d => d.IsFixed))
        {
            scaled = c.Scale(c.OutputGradient(0), 1.0 / spatial.Aggregate(1L, (p, d) => p * d.Value!.Value));
        }
        else
        {
            var count = c.Shared("count", () => c.EmitForward(
                "Cast",
                [c.EmitForward("Div", [c.EmitForward("Size", [x]), c.EmitForward("Size", [c.Output(0)])])],
                Attr.Int("to", (long)c.ElementTypeOf(x))));
            scaled = c.Div(c.OutputGradient(0), count);
        }

        c.SetInputGradient(0, c.Emit("Expand", [scaled, c.ShapeValue(x)]));
    }
}
