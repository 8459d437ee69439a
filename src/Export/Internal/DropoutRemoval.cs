using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Puts the training-only operators in inference mode: every <c>Dropout</c> becomes an identity (its mask, if
/// anything reads it, all true), and every <c>BatchNormalization</c> uses its running statistics.
/// </summary>
internal static class DropoutRemoval
{
    /// <summary>Applies the pass and returns the number of dropouts removed.</summary>
    /// <exception cref="ExportException">A batch normalization's running-statistics outputs are read.</exception>
    public static int Apply(GraphProto graph)
    {
        var uses = GraphEdit.UseCounts(graph);
        var taken = GraphEdit.TakenNames(graph);
        var removed = 0;
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                continue;
            }

            if (node.OpType == "BatchNormalization")
            {
                ToInferenceMode(node, uses);
                continue;
            }

            if (node.OpType != "Dropout")
            {
                continue;
            }

            var replacement = new List<NodeProto>();
            var identity = new NodeProto { OpType = "Identity", Name = node.Name };
            identity.Input.Add(node.Input[0]);
            identity.Output.Add(node.Output[0]);
            replacement.Add(identity);
            if (node.Output.Count > 1 && node.Output[1].Length > 0 && uses.GetValueOrDefault(node.Output[1]) > 0)
            {
                // In inference mode the mask keeps every element.
                var shape = GraphEdit.FreshName(taken, node.Output[1] + "_shape");
                var shapeNode = new NodeProto { OpType = "Shape", Name = GraphEdit.FreshName(taken, shape) };
                shapeNode.Input.Add(node.Input[0]);
                shapeNode.Output.Add(shape);
                var fill = new NodeProto { OpType = "ConstantOfShape", Name = GraphEdit.FreshName(taken, node.Name) };
                fill.Input.Add(shape);
                fill.Output.Add(node.Output[1]);
                fill.Attribute.Add(Attr.Tensor("value", TensorProtos.Create<byte>("value", ElementType.Bool, [1], [1])));
                replacement.Add(shapeNode);
                replacement.Add(fill);
            }

            graph.Node.RemoveAt(i);
            for (var r = 0; r < replacement.Count; r++)
            {
                graph.Node.Insert(i + r, replacement[r]);
            }

            i += replacement.Count - 1;
            removed++;
        }

        return removed;
    }

    private static void ToInferenceMode(NodeProto node, Dictionary<string, int> uses)
    {
        for (var o = 1; o < node.Output.Count; o++)
        {
            if (node.Output[o].Length > 0 && uses.GetValueOrDefault(node.Output[o]) > 0)
            {
                throw new ExportException(
                    $"Node '{node.Name}' (BatchNormalization): output '{node.Output[o]}' (a running statistic) is " +
                    "read by the graph, but an inference graph has no running-statistics updates.");
            }
        }

        while (node.Output.Count > 1)
        {
            node.Output.RemoveAt(node.Output.Count - 1);
        }

        var mode = GraphEdit.FindAttribute(node, "training_mode");
        if (mode is not null)
        {
            node.Attribute.Remove(mode);
        }
    }
}
