using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Builds the explanation model: for each task, the gradient of the predicted class's score (the sum of the
/// regressed values for a regression task) with respect to each data input, computed by the autodiff in standard
/// operators. Samples of a batch are independent in an inference graph, so the gradient of the batch's summed score
/// holds each sample's own saliency.
/// </summary>
internal static class ExplanationBuilder
{
    /// <summary>The suffix of a saliency output: <c>&lt;task&gt;_saliency</c>, or with the input's name appended
    /// when the model has several inputs.</summary>
    public const string SaliencySuffix = "_saliency";

    /// <summary>Builds the explanation model from a float32 inference model.</summary>
    /// <exception cref="ExportException">A node on the path from an input to a task has no gradient rule.</exception>
    public static ModelProto Build(ModelProto inference, IReadOnlyList<ExportTask> tasks)
    {
        var b = GraphBuilder.FromModel(inference);
        var graph = b.Graph;
        var inputs = graph.Input.Where(i => ElementTypes.IsFloatingPoint(ValueInfos.GetElementType(i)))
            .Select(i => i.Name).ToList();
        if (inputs.Count == 0)
        {
            throw new ExportException(
                "The model has no floating-point input to explain; saliency needs a differentiable input.");
        }

        var scores = new List<string>();
        foreach (var task in tasks)
        {
            scores.Add(Score(b, task).Name);
        }

        graph.Output.Clear();
        GradientResult result;
        try
        {
            result = Autodiff.Differentiate(b.ToModel(), new GradientRequest
            {
                Losses = scores,
                WithRespectTo = [],
                PerLossWithRespectTo = inputs,
                KeepForwardOutputs = false,
            });
        }
        catch (GradientNotDefinedException ex)
        {
            throw new ExportException($"The explanation model cannot be built: {ex.Message}", ex);
        }

        var model = result.Model;
        var explanation = model.Graph;
        var outputs = new List<ValueInfoProto>();
        for (var t = 0; t < tasks.Count; t++)
        {
            foreach (var input in inputs)
            {
                var gradient = result.PerLossGradientOutputs[scores[t]][input];
                var name = tasks[t].Name + SaliencySuffix + (inputs.Count > 1 ? "_" + input : string.Empty);
                var identity = new NodeProto { OpType = "Identity", Name = name + "_output" };
                identity.Input.Add(gradient);
                identity.Output.Add(name);
                explanation.Node.Add(identity);
                var declared = graph.Input.First(i => i.Name == input);
                outputs.Add(ValueInfos.Tensor(name, ValueInfos.GetElementType(declared), ValueInfos.GetShape(declared)));
            }
        }

        explanation.Output.Clear();
        explanation.Output.AddRange(outputs);
        IdentityElimination.Apply(explanation);
        DeadCodeElimination.Apply(explanation);
        GraphEdit.SortTopologically(explanation);
        explanation.ValueInfo.Clear();
        explanation.Name = graph.Name + "_explain";
        model.IrVersion = InferenceModelBuilder.IrVersion;
        return model;
    }

    /// <summary>Adds the scalar score of a task: what its saliency is the gradient of.</summary>
    private static GraphValue Score(GraphBuilder b, ExportTask task)
    {
        var raw = new GraphValue(task.Name);
        GraphValue selected;
        switch (task.Kind)
        {
            case TaskKind.Multiclass:
                // Hardmax is the one-hot of the arg-max and passes no gradient: only the predicted logit counts.
                selected = b.Mul(raw, b.Node("Hardmax", [raw], Attr.Int("axis", -1)));
                break;
            case TaskKind.Multilabel:
                var positive = b.Node("Cast", [b.Node("Greater", [raw, Zero(b)])], Attr.Int("to", (long)ElementType.Float));
                selected = b.Mul(raw, positive);
                break;
            case TaskKind.Binary:
                // The predicted class's score: the logit when the prediction is positive, its negation otherwise.
                var sign = b.Node("Sign", [raw]);
                selected = b.Mul(raw, sign);
                break;
            default:
                selected = raw;
                break;
        }

        return b.Node("ReduceSum", [selected], Attr.Int("keepdims", 0));
    }

    private static GraphValue Zero(GraphBuilder b) => b.Scalar(0f, "explain_zero");
}
