using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>
/// SoftmaxCrossEntropyLoss: <c>dScores = (softmax − onehot)·dLoss·w / Σw</c>, with the softmax taken from the
/// node's log-probability output (requested from the forward node when absent); a gradient flowing into that
/// output is added through the LogSoftmax rule's formula.
/// </summary>
internal sealed class SoftmaxCrossEntropyLossGradient : IGradientRule
{
    public void Backward(GradientContext c)
    {
        if (!c.NeedsGradient(0))
        {
            return;
        }

        var scores = c.Input(0);
        var labels = c.Input(1);
        var logProb = c.RequestForwardOutput(1, "log_prob");
        var probabilities = c.Shared("probabilities", () => c.EmitForward("Exp", [logProb]));
        GraphValue? gradient = null;
        if (c.HasOutputGradient(0))
        {
            var onehot = ClassLossGradients.OneHot(c, labels, scores, scores);
            var factor = ClassLossGradients.SampleFactor(c, labels, c.Input(2), scores);
            gradient = c.Mul(c.Sub(probabilities, onehot), factor);
        }

        if (c.HasOutputGradient(1))
        {
            var dLogProb = c.OutputGradient(1);
            var total = c.ReduceSum(dLogProb, [1], keepDims: true);
            var fromLogProb = c.Sub(dLogProb, c.Mul(probabilities, total));
            gradient = gradient is { } g ? c.Add(g, fromLogProb) : fromLogProb;
        }

        if (gradient is { } result)
        {
            c.SetInputGradient(0, result);
        }
    }
}
