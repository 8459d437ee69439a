using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Removes <c>Identity</c> nodes, reading their input directly; an identity that names a graph output gives its name to
/// the producer instead, unless that tensor is an input, an initializer or another output.
/// </summary>
internal static class IdentityElimination
{
    /// <summary>Applies the pass and returns the number of identities removed.</summary>
    public static int Apply(GraphProto graph)
    {
        var removed = 0;
        var outputs = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.OpType != "Identity" || (node.Domain.Length > 0 && node.Domain != "ai.onnx"))
            {
                continue;
            }

            var source = node.Input[0];
            var target = node.Output[0];
            if (!outputs.Contains(target))
            {
                graph.Node.RemoveAt(i--);
                GraphEdit.ReplaceReads(graph, target, source, includeGraphOutputs: false);
                removed++;
                continue;
            }

            var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(source));
            if (producer is null || outputs.Contains(source))
            {
                // The source is an input or initializer, or is an output itself: the identity must stay.
                continue;
            }

            graph.Node.RemoveAt(i--);
            GraphEdit.RenameProduced(graph, producer, source, target);
            removed++;
        }

        return removed;
    }
}
