namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>NegativeLogLikelihoodLoss: <c>dInput = −onehot·dLoss·w / Σw</c>.</summary>
internal sealed class NegativeLogLikelihoodLossGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        if (!c.NeedsGradient(0))
        {
            return;
        }

        var input = c.Input(0);
        var labels = c.Input(1);
        var onehot = ClassLossGradients.OneHot(c, labels, input, input);
        var factor = ClassLossGradients.SampleFactor(c, labels, c.Input(2), input);
        c.SetInputGradient(0, c.Neg(c.Mul(onehot, factor)));
    }
}
