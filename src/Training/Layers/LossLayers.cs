using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Layers;

/// <summary>
/// Task losses built from primitives. Each takes a per-sample mask (1 where the sample has a label for the task,
/// 0 where it is missing) and averages over the labelled samples only; a batch with no labels gives a loss of 0.
/// </summary>
public static class LossLayers
{
    private const float Tiny = 1e-12f;

    /// <summary>
    /// Adds softmax cross-entropy with optional label smoothing (the target is (1 − ε)·one-hot + ε/K) and class
    /// weights (each sample weighted by its class's weight; the mean divides by the sum of those weights, as
    /// PyTorch's weighted mean does).
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="logits">The logits, [N, K].</param>
    /// <param name="labels">The int64 class indices, [N]; any valid index where the mask is 0.</param>
    /// <param name="mask">The float mask, [N].</param>
    /// <param name="classes">The number of classes K.</param>
    /// <param name="smoothing">The label smoothing ε in [0, 1).</param>
    /// <param name="classWeights">One weight per class, or an empty list.</param>
    /// <returns>The scalar loss.</returns>
    public static GraphValue CrossEntropy(
        GraphBuilder g,
        GraphValue logits,
        GraphValue labels,
        GraphValue mask,
        int classes,
        double smoothing,
        IReadOnlyList<double> classWeights)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(classWeights);
        var logProbabilities = g.Node("LogSoftmax", [logits], Attr.Int("axis", 1));
        var oneHot = OneHot(g, labels, classes);
        var target = oneHot;
        if (smoothing > 0)
        {
            target = g.Add(
                g.Mul(oneHot, GraphOps.Scalar(g, (float)(1 - smoothing), "smooth_keep")),
                GraphOps.Scalar(g, (float)(smoothing / classes), "smooth_spread"));
        }

        var perSample = g.Node("Neg", [GraphOps.ReduceSum(g, g.Mul(target, logProbabilities), [1], keepDims: false)]);
        var weight = mask;
        if (classWeights.Count > 0)
        {
            var table = g.AddInitializer(
                GraphOps.FreshName(g, "class_weights"),
                [1, classes],
                classWeights.Select(w => (float)w).ToArray());
            weight = g.Mul(mask, GraphOps.ReduceSum(g, g.Mul(oneHot, table), [1], keepDims: false));
        }

        return WeightedMean(g, perSample, weight);
    }

    /// <summary>
    /// Adds binary cross-entropy with logits, in the stable form <c>max(z, 0) − z·y + log(1 + e^−|z|)</c>, averaged
    /// over the outputs of each sample and then over the labelled samples.
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="logits">The logits, [N, K].</param>
    /// <param name="targets">The float targets in [0, 1], [N, K].</param>
    /// <param name="mask">The float mask, [N].</param>
    /// <returns>The scalar loss.</returns>
    public static GraphValue BinaryCrossEntropy(GraphBuilder g, GraphValue logits, GraphValue targets, GraphValue mask)
    {
        ArgumentNullException.ThrowIfNull(g);
        var positive = g.Relu(logits);
        var cross = g.Mul(logits, targets);
        var softplus = g.Node("Softplus", [g.Node("Neg", [g.Node("Abs", [logits])])]);
        var elementwise = g.Add(g.Sub(positive, cross), softplus);
        var perSample = GraphOps.ReduceMean(g, elementwise, [1], keepDims: false);
        return WeightedMean(g, perSample, mask);
    }

    /// <summary>
    /// Adds a regression loss on standardised targets, averaged over the targets of each sample, then over labelled
    /// samples.
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="predictions">The predictions, [N, D].</param>
    /// <param name="targets">The standardised targets, [N, D].</param>
    /// <param name="mask">The float mask, [N].</param>
    /// <param name="kind">The loss: <c>mse</c>, <c>l1</c> or <c>huber</c>.</param>
    /// <param name="huberDelta">Where the Huber loss turns linear.</param>
    /// <returns>The scalar loss.</returns>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not a regression loss.</exception>
    public static GraphValue Regression(
        GraphBuilder g,
        GraphValue predictions,
        GraphValue targets,
        GraphValue mask,
        string kind,
        double huberDelta)
    {
        ArgumentNullException.ThrowIfNull(g);
        var error = g.Sub(predictions, targets);
        GraphValue elementwise;
        switch (kind)
        {
            case "mse":
                elementwise = g.Mul(error, error);
                break;
            case "l1":
                elementwise = g.Node("Abs", [error]);
                break;
            case "huber":
                // 0.5·min(|e|, δ)² + δ·(|e| − min(|e|, δ)): quadratic inside δ, linear outside, without Where.
                var absolute = g.Node("Abs", [error]);
                var delta = GraphOps.Scalar(g, (float)huberDelta, "huber_delta");
                var clipped = g.Node("Min", [absolute, delta]);
                var quadratic = g.Mul(g.Mul(clipped, clipped), GraphOps.Scalar(g, 0.5f, "huber_half"));
                elementwise = g.Add(quadratic, g.Mul(delta, g.Sub(absolute, clipped)));
                break;
            default:
                throw new ArgumentException($"'{kind}' is not a regression loss; use mse, l1 or huber.", nameof(kind));
        }

        var perSample = GraphOps.ReduceMean(g, elementwise, [1], keepDims: false);
        return WeightedMean(g, perSample, mask);
    }

    /// <summary>Adds <c>Σ w·x / max(Σ w, tiny)</c> over a batch, a scalar.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="perSample">The values, [N].</param>
    /// <param name="weights">The weights, [N].</param>
    /// <returns>The scalar weighted mean; 0 when all weights are 0.</returns>
    public static GraphValue WeightedMean(GraphBuilder g, GraphValue perSample, GraphValue weights)
    {
        ArgumentNullException.ThrowIfNull(g);
        var total = GraphOps.ReduceSum(g, g.Mul(perSample, weights), [0], keepDims: false);
        var count = GraphOps.ReduceSum(g, weights, [0], keepDims: false);
        var safe = g.Node("Max", [count, GraphOps.Scalar(g, Tiny, "loss_tiny")]);
        return g.Div(total, safe);
    }

    /// <summary>Adds a float one-hot encoding of int64 indices, built from <c>Equal</c> so no gradient rule is needed.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="labels">The indices, [N].</param>
    /// <param name="classes">The number of classes.</param>
    /// <returns>The one-hot matrix, [N, classes].</returns>
    public static GraphValue OneHot(GraphBuilder g, GraphValue labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(g);
        var range = new long[classes];
        for (var i = 0; i < classes; i++)
        {
            range[i] = i;
        }

        var classIds = g.AddInitializer(GraphOps.FreshName(g, "class_ids"), [1, classes], range);
        var equal = g.Node("Equal", [GraphOps.Unsqueeze(g, labels, 1), classIds]);
        return GraphOps.Cast(g, equal, ElementType.Float);
    }
}
