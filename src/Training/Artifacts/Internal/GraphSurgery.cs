using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Artifacts.Internal;

/// <summary>
/// The graph edits artifact generation and model export need: parameters from initializers to inputs and back,
/// inference mode for batch normalisation and dropout, and pruning to a set of outputs.
/// </summary>
internal static class GraphSurgery
{
    /// <summary>Removes the named initializers and declares them as graph inputs; returns their values.</summary>
    public static Dictionary<string, TensorProto> MoveInitializersToInputs(GraphProto graph, IEnumerable<string> names)
    {
        var moved = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var initializer = graph.Initializer.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentException(
                    $"'{name}' is not an initializer of graph '{graph.Name}', so it cannot be a parameter.");
            if ((ElementType)initializer.DataType != ElementType.Float)
            {
                throw new ArgumentException(
                    $"Parameter '{name}' has type {ElementTypes.Name((ElementType)initializer.DataType)}; " +
                    "parameters must be float32.");
            }

            graph.Initializer.Remove(initializer);
            var existing = graph.Input.FirstOrDefault(i => i.Name == name);
            if (existing is not null)
            {
                graph.Input.Remove(existing);
            }

            graph.Input.Add(ValueInfos.Tensor(name, ElementType.Float, initializer.Dims.Select(Dim.Fixed).ToArray()));
            moved[name] = initializer;
        }

        return moved;
    }

    /// <summary>Replaces graph inputs by initializers with the given values.</summary>
    public static void InputsToInitializers(GraphProto graph, IReadOnlyDictionary<string, TensorProto> values)
    {
        foreach (var (name, tensor) in values)
        {
            var input = graph.Input.FirstOrDefault(i => i.Name == name);
            if (input is not null)
            {
                graph.Input.Remove(input);
            }

            var copy = tensor.Clone();
            copy.Name = name;
            graph.Initializer.Add(copy);
        }
    }

    /// <summary>
    /// Puts batch normalisation and dropout into inference mode: batch normalisation uses its running statistics
    /// and returns only its output; dropout copies its input.
    /// </summary>
    public static void SetInferenceMode(GraphProto graph)
    {
        foreach (var node in graph.Node)
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                continue;
            }

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

        var produced = graph.Node.SelectMany(n => n.Output).Concat(graph.Input.Select(i => i.Name))
            .Concat(graph.Initializer.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var output in graph.Output.Where(o => !produced.Contains(o.Name)).ToArray())
        {
            graph.Output.Remove(output);
        }
    }

    /// <summary>
    /// Keeps only the given outputs, the nodes they need and the inputs and initializers those nodes read.
    /// </summary>
    public static void PruneToOutputs(GraphProto graph, IReadOnlyCollection<string> outputs)
    {
        var keep = new HashSet<string>(outputs, StringComparer.Ordinal);
        foreach (var output in graph.Output.Where(o => !keep.Contains(o.Name)).ToArray())
        {
            graph.Output.Remove(output);
        }

        var needed = new HashSet<string>(outputs, StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        for (var i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (!node.Output.Any(needed.Contains))
            {
                continue;
            }

            kept.Add(node);
            foreach (var input in node.Input.Where(n => n.Length > 0))
            {
                needed.Add(input);
            }

            foreach (var attribute in node.Attribute)
            {
                // Subgraphs read outer tensors by name; keep everything they mention.
                foreach (var subgraph in attribute.Graphs.Append(attribute.G).Where(g => g is not null))
                {
                    AddSubgraphInputs(subgraph, needed);
                }
            }
        }

        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        foreach (var input in graph.Input.Where(i => !needed.Contains(i.Name)).ToArray())
        {
            graph.Input.Remove(input);
        }

        foreach (var initializer in graph.Initializer.Where(i => !needed.Contains(i.Name)).ToArray())
        {
            graph.Initializer.Remove(initializer);
        }

        foreach (var info in graph.ValueInfo.Where(v => !needed.Contains(v.Name)).ToArray())
        {
            graph.ValueInfo.Remove(info);
        }
    }

    private static void AddSubgraphInputs(GraphProto graph, HashSet<string> names)
    {
        foreach (var node in graph.Node)
        {
            names.UnionWith(node.Input);
            foreach (var attribute in node.Attribute)
            {
                foreach (var subgraph in attribute.Graphs.Append(attribute.G).Where(g => g is not null))
                {
                    AddSubgraphInputs(subgraph, names);
                }
            }
        }
    }

    /// <summary>Renames the output of the node that produces a tensor, and every use of it.</summary>
    public static void RenameTensor(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == from)
                {
                    node.Output[i] = to;
                }
            }

            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                {
                    node.Input[i] = to;
                }
            }
        }

        foreach (var output in graph.Output.Where(o => o.Name == from))
        {
            output.Name = to;
        }
    }
}
