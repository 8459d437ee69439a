using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// Turns a built forward graph into the graphs the trainer runs: parameters become graph inputs (ONNX Runtime
/// folds initializers as constants), and the evaluation graph switches batch norm and dropout to inference mode.
/// </summary>
internal static class TrainingGraphs
{
    /// <summary>The graph input of the per-loss weights, [T + R].</summary>
    public const string LossWeightsInput = "loss_weights";

    /// <summary>The graph input of the representation-level update, [N, F].</summary>
    public const string RepresentationUpdateInput = "representation_update";

    /// <summary>Returns a copy of the forward graph whose parameters are graph inputs, and their initial values.</summary>
    public static (ModelProto Model, Dictionary<string, float[]> Values) ParametersAsInputs(MultiTaskModel model)
    {
        var copy = model.Forward.Clone();
        var names = model.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var kept = new List<TensorProto>();
        foreach (var initializer in copy.Graph.Initializer)
        {
            if (!names.Contains(initializer.Name))
            {
                kept.Add(initializer);
                continue;
            }

            values[initializer.Name] = TensorProtos.ToArray<float>(initializer);
            copy.Graph.Input.Add(ValueInfos.Tensor(initializer.Name, ElementType.Float,
                initializer.Dims.Select(d => (Dim)d).ToArray()));
        }

        copy.Graph.Initializer.Clear();
        copy.Graph.Initializer.AddRange(kept);
        return (copy, values);
    }

    /// <summary>
    /// Returns a copy of a training graph whose training-mode <c>Dropout</c>s multiply by a mask input instead, and
    /// the masks to feed. ONNX Runtime seeds each <c>Dropout</c> once per session, so its masks would restart with
    /// every session (a resumed run would draw other masks than a run that went through); the trainer draws the
    /// masks from the run's seed and the step instead. The backward of the product is the dropout's backward.
    /// </summary>
    /// <exception cref="ModelFormatException">A dropout's input has a shape that is not fixed beyond the batch axis.</exception>
    public static (ModelProto Model, IReadOnlyList<DropoutMask> Masks) WithDropoutMasks(ModelProto training)
    {
        var copy = training.Clone();
        var graph = copy.Graph;
        var constants = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var masks = new List<DropoutMask>();
        MtlOnnx.Onnx.ShapeInferenceResult? shapes = null;
        foreach (var node in graph.Node)
        {
            // Only a dropout that is in training mode for sure drops anything; others are identities at run time.
            if (node.OpType != "Dropout" || node.Input.Count < 3 || !IsTrue(constants, node.Input[2]))
            {
                continue;
            }

            var probability = node.Input[1].Length == 0 ? 0.5f
                : constants.TryGetValue(node.Input[1], out var ratio) ? TensorProtos.ToArray<float>(ratio)[0]
                : float.NaN;
            if (float.IsNaN(probability))
            {
                continue;
            }

            shapes ??= MtlOnnx.Onnx.ShapeInference.Infer(graph,
                copy.OpsetImport.First(o => o.Domain.Length == 0).Version);
            if (!shapes.TryGetShape(node.Input[0], out var shape) || shape is null || shape.Count < 1 ||
                shape.Skip(1).Any(d => !d.IsFixed))
            {
                throw new ModelFormatException(
                    $"Dropout node '{node.Name}': the trainer needs the shape of its input '{node.Input[0]}' beyond " +
                    "the batch axis to draw its masks, but it is not known.");
            }

            var name = $"dropout_mask_{masks.Count}";
            var sample = shape.Skip(1).Select(d => d.Value!.Value).ToArray();
            graph.Input.Add(ValueInfos.Tensor(name, ElementType.Float,
                [ModelInput.BatchDim, .. sample.Select(d => (Dim)d)]));
            masks.Add(new DropoutMask(name, probability, sample));
            var input = node.Input[0];
            var output = node.Output[0];
            node.OpType = "Mul";
            node.Attribute.Clear();
            node.Input.Clear();
            node.Input.Add(input);
            node.Input.Add(name);
            node.Output.Clear();
            node.Output.Add(output);
        }

        return (copy, masks);
    }

    /// <summary>Returns the evaluation form: batch norm reads running statistics, dropout passes values through.</summary>
    public static ModelProto ToEvaluation(ModelProto training)
    {
        var copy = training.Clone();
        Artifacts.Internal.GraphSurgery.SetInferenceMode(copy.Graph);
        return copy;
    }

    /// <summary>
    /// Adds the scalar <c>Σ representation · U</c> (U a new input) to a forward graph, whose gradient with respect to
    /// the trunk's parameters is the backward pass of an update U given at the representation.
    /// </summary>
    public static (ModelProto Model, string Loss) WithRepresentationLoss(
        ModelProto training,
        MultiTaskModel model,
        long width)
    {
        var builder = GraphBuilder.FromModel(training);
        var update = builder.AddInput(RepresentationUpdateInput, ElementType.Float, ModelInput.BatchDim, width);
        var product = builder.Mul(new GraphValue(model.RepresentationName), update);
        var axes = builder.AddInitializer(Layers.Internal.GraphOps.FreshName(builder, "rep_axes"), [2], [0L, 1L]);
        var loss = builder.Node("ReduceSum", [product, axes], Attr.Int("keepdims", 0));
        builder.AddOutput(loss, ElementType.Float, []);
        return (builder.ToModel(), loss.Name);
    }

    /// <summary>Gets the shape of every parameter by name.</summary>
    public static Dictionary<string, long[]> Shapes(MultiTaskModel model) =>
        model.Parameters.ToDictionary(p => p.Name, p => p.Shape.ToArray(), StringComparer.Ordinal);

    /// <summary>Gets the per-sample width of the representation.</summary>
    public static long RepresentationWidth(MultiTaskModel model, ModelProto forward)
    {
        // The representation feeds heads or sharing layers whose first parameter's fan-in is its width.
        var consumer = forward.Graph.Node
            .FirstOrDefault(n => n.Input.Contains(model.RepresentationName) && n.OpType == "Gemm");
        if (consumer is not null && model.Parameters.FirstOrDefault(p => p.Name == consumer.Input[1]) is { } weight)
        {
            return weight.Shape[^1];
        }

        throw new InvalidOperationException("The representation's width could not be found from the layer that reads it.");
    }

    internal static bool IsTaskOwned(ParameterInfo parameter) => !parameter.IsShared;

    private static bool IsTrue(Dictionary<string, TensorProto> constants, string name) =>
        constants.TryGetValue(name, out var tensor) && TensorProtos.ToArray<bool>(tensor) is [true];
}
