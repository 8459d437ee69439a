namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>The rule of operators whose outputs pass no gradient back (Shape, Equal, ArgMax, ...).</summary>
internal sealed class NoGradientRule : IGradientRule
{
    private NoGradientRule()
    {
    }

    /// <summary>Gets the one instance, which the engine recognises and skips.</summary>
    public static NoGradientRule Instance { get; } = new();

    /// <inheritdoc />
    public void Backward(GradientContext context)
    {
    }
}
