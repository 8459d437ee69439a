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
            copy.Graph.Input.Add(ValueInfos.Tensor(initializer.Name, ElementType.Float, initializer.Dims.Select(d => (Dim)d).ToArray()));
        }

        copy.Graph.Initializer.Clear();
        copy.Graph.Initializer.AddRange(kept);
        return (copy, values);
    }

    /// <summary>Returns the evaluation form: batch norm reads running statistics, dropout passes values through.</summary>
    public static ModelProto ToEvaluation(ModelProto training)
    {
        var copy = training.Clone();
        foreach (var node in copy.Graph.Node)
        {
            if (node.OpType == "BatchNormalization")
            {
                var mode = node.Attribute.FirstOrDefault(a => a.Name == "training_mode");
                if (mode is not null)
                {
                    node.Attribute.Remove(mode);
                }

                while (node.Output.Count > 1)
                {
                    node.Output.RemoveAt(node.Output.Count - 1);
                }
            }
            else if (node.OpType == "Dropout")
            {
                while (node.Input.Count > 1)
                {
                    node.Input.RemoveAt(node.Input.Count - 1);
                }

                while (node.Output.Count > 1)
                {
                    node.Output.RemoveAt(node.Output.Count - 1);
                }
            }
        }

        return copy;
    }

    /// <summary>
    /// Adds the scalar <c>Σ representation · U</c> (U a new input) to a forward graph, whose gradient with respect to
    /// the trunk's parameters is the backward pass of an update U given at the representation.
    /// </summary>
    public static (ModelProto Model, string Loss) WithRepresentationLoss(ModelProto training, MultiTaskModel model, long width)
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
        var consumer = forward.Graph.Node.FirstOrDefault(n => n.Input.Contains(model.RepresentationName) && n.OpType == "Gemm");
        if (consumer is not null && model.Parameters.FirstOrDefault(p => p.Name == consumer.Input[1]) is { } weight)
        {
            return weight.Shape[^1];
        }

        throw new InvalidOperationException("The representation's width could not be found from the layer that reads it.");
    }

    internal static bool IsTaskOwned(ParameterInfo parameter) => !parameter.IsShared;
}
