using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary><c>Y = Cast(X)</c>: the gradient is cast back to the input's type; integer inputs get none.</summary>
internal sealed class CastGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        var type = c.ElementTypeOf(c.Input(0));
        if (ElementTypes.IsFloatingPoint(type))
        {
            c.SetInputGradient(0, c.Cast(c.OutputGradient(0), type));
        }
    }
}
