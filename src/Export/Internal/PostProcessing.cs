using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Adds the probabilities and the predicted label of each classification task to the graph, so that clients need
/// no post-processing code: <c>Softmax</c> and <c>ArgMax</c> for multiclass tasks, <c>Sigmoid</c> and a threshold at
/// logit zero (probability one half) for binary and multilabel tasks.
/// </summary>
internal static class PostProcessing
{
    /// <summary>Applies the pass and returns the output names of each task.</summary>
    public static List<TaskOutputNames> Apply(GraphProto graph, IReadOnlyList<ExportTask> tasks, bool enabled)
    {
        var result = new List<TaskOutputNames>(tasks.Count);
        var taken = GraphEdit.TakenNames(graph);
        foreach (var task in tasks)
        {
            if (!enabled || !task.IsClassification)
            {
                result.Add(new TaskOutputNames(task.Name, task.Name, null, null));
                continue;
            }

            var probabilities = Reserve(taken, task.Name + TaskOutputNames.ProbabilitiesSuffix, graph);
            var label = Reserve(taken, task.Name + TaskOutputNames.LabelSuffix, graph);
            if (task.Kind == TaskKind.Multiclass)
            {
                Add(graph, taken, "Softmax", [task.Name], probabilities, Attr.Int("axis", -1));
                Add(graph, taken, "ArgMax", [task.Name], label, Attr.Int("axis", -1), Attr.Int("keepdims", 0));
            }
            else
            {
                Add(graph, taken, "Sigmoid", [task.Name], probabilities);
                var zero = GraphEdit.FreshName(taken, task.Name + "_threshold");
                graph.Initializer.Add(TensorProtos.Scalar(zero, 0f));
                var positive = GraphEdit.FreshName(taken, task.Name + "_positive");
                Add(graph, taken, "Greater", [task.Name, zero], positive);
                Add(graph, taken, "Cast", [positive], label, Attr.Int("to", (long)ElementType.Int64));
            }

            graph.Output.Add(new ValueInfoProto { Name = probabilities });
            graph.Output.Add(new ValueInfoProto { Name = label });
            result.Add(new TaskOutputNames(task.Name, task.Name, probabilities, label));
        }

        return result;
    }

    private static string Reserve(HashSet<string> taken, string name, GraphProto graph)
    {
        if (!taken.Add(name))
        {
            throw new ExportException(
                $"Graph '{graph.Name}' already has a tensor named '{name}', the name of a post-processing output.");
        }

        return name;
    }

    private static void Add(
        GraphProto graph,
        HashSet<string> taken,
        string op,
        string[] inputs,
        string output,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = GraphEdit.FreshName(taken, output + "_" + op) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
    }
}
