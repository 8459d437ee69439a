using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Removes the nodes whose results no graph output needs, then the initializers and inputs nothing reads.
/// </summary>
internal static class DeadCodeElimination
{
    /// <summary>Applies the pass and returns how many nodes, initializers and inputs it removed.</summary>
    public static (int Nodes, int Initializers, int Inputs) Apply(GraphProto graph)
    {
        var producers = GraphEdit.Producers(graph);
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var live = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var work = new Stack<string>(needed);
        while (work.Count > 0)
        {
            var name = work.Pop();
            if (!producers.TryGetValue(name, out var node) || !live.Add(node))
            {
                continue;
            }

            foreach (var input in GraphEdit.NodeReads(node))
            {
                if (needed.Add(input))
                {
                    work.Push(input);
                }
            }
        }

        var nodes = graph.Node.Count;
        var kept = graph.Node.Where(live.Contains).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);

        foreach (var node in kept)
        {
            // Trailing optional outputs that nothing reads can go; inner ones must stay as empty names.
            for (var o = node.Output.Count - 1; o >= 1 && !needed.Contains(node.Output[o]); o--)
            {
                if (node.OpType is "Dropout" or "BatchNormalization" or "LayerNormalization" or "MaxPool")
                {
                    node.Output.RemoveAt(o);
                }
            }
        }

        var initializers = graph.Initializer.Count;
        var usedInitializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(usedInitializers);

        var inputs = graph.Input.Count;
        var usedInputs = graph.Input.Where(i => needed.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(usedInputs);

        return (nodes - kept.Count, initializers - usedInitializers.Count, inputs - usedInputs.Count);
    }
}
