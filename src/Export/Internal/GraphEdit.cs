using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Small rewrites over a <see cref="GraphProto"/> that the export passes share: finding producers and consumers,
/// renaming tensors, fresh names, and a stable topological order.
/// </summary>
internal static class GraphEdit
{
    /// <summary>The operators whose outputs depend on something other than their inputs.</summary>
    public static readonly IReadOnlySet<string> NonDeterministicOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli",
        "Dropout",
    };

    /// <summary>Maps every node output to the node that produces it.</summary>
    public static Dictionary<string, NodeProto> Producers(GraphProto graph)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                if (output.Length > 0)
                {
                    producers[output] = node;
                }
            }
        }

        return producers;
    }

    /// <summary>Counts how many node inputs (subgraphs included) and graph outputs read each tensor.</summary>
    public static Dictionary<string, int> UseCounts(GraphProto graph)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in ReadNames(graph))
        {
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        foreach (var output in graph.Output)
        {
            counts[output.Name] = counts.GetValueOrDefault(output.Name) + 1;
        }

        return counts;
    }

    /// <summary>Maps every tensor to the nodes of the main graph that read it.</summary>
    public static Dictionary<string, List<NodeProto>> Consumers(GraphProto graph)
    {
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in NodeReads(node))
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    list = [];
                    consumers[input] = list;
                }

                if (!list.Contains(node))
                {
                    list.Add(node);
                }
            }
        }

        return consumers;
    }

    /// <summary>Gets the tensors a node reads: its inputs and the outer names its subgraphs capture.</summary>
    public static IEnumerable<string> NodeReads(NodeProto node)
    {
        foreach (var input in node.Input)
        {
            if (input.Length > 0)
            {
                yield return input;
            }
        }

        foreach (var subgraph in Subgraphs(node))
        {
            foreach (var name in CapturedNames(subgraph))
            {
                yield return name;
            }
        }
    }

    /// <summary>Gets the graph-valued attributes of a node.</summary>
    public static IEnumerable<GraphProto> Subgraphs(NodeProto node)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.G is not null)
            {
                yield return attribute.G;
            }

            foreach (var graph in attribute.Graphs)
            {
                yield return graph;
            }
        }
    }

    /// <summary>Replaces every read of <paramref name="from"/> by <paramref name="to"/>, in nodes and outputs.</summary>
    public static void ReplaceReads(GraphProto graph, string from, string to, bool includeGraphOutputs)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                {
                    node.Input[i] = to;
                }
            }

            foreach (var subgraph in Subgraphs(node))
            {
                if (!Defines(subgraph, from))
                {
                    ReplaceReads(subgraph, from, to, includeGraphOutputs: true);
                }
            }
        }

        if (includeGraphOutputs)
        {
            foreach (var output in graph.Output)
            {
                if (output.Name == from)
                {
                    output.Name = to;
                }
            }
        }
    }

    /// <summary>Renames a tensor produced by a node: the producing output and every read of it.</summary>
    public static void RenameProduced(GraphProto graph, NodeProto producer, string from, string to)
    {
        for (var i = 0; i < producer.Output.Count; i++)
        {
            if (producer.Output[i] == from)
            {
                producer.Output[i] = to;
            }
        }

        ReplaceReads(graph, from, to, includeGraphOutputs: true);
    }

    /// <summary>Gets the names of the graph's initializers.</summary>
    public static Dictionary<string, TensorProto> Initializers(GraphProto graph)
    {
        var map = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
        {
            map[initializer.Name] = initializer;
        }

        return map;
    }

    /// <summary>Returns a name that no tensor or node of the graph uses, and that <paramref name="taken"/> lacks.</summary>
    public static string FreshName(HashSet<string> taken, string hint)
    {
        if (taken.Add(hint))
        {
            return hint;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{hint}_{i}";
            if (taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Gets every name the graph uses, as a set to draw fresh names against.</summary>
    public static HashSet<string> TakenNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(graph, names);
        return names;

        static void Collect(GraphProto g, HashSet<string> names)
        {
            foreach (var input in g.Input)
            {
                names.Add(input.Name);
            }

            foreach (var initializer in g.Initializer)
            {
                names.Add(initializer.Name);
            }

            foreach (var node in g.Node)
            {
                names.Add(node.Name);
                foreach (var output in node.Output)
                {
                    names.Add(output);
                }

                foreach (var subgraph in Subgraphs(node))
                {
                    Collect(subgraph, names);
                }
            }

            names.Remove(string.Empty);
        }
    }

    /// <summary>
    /// Reorders the nodes so that every node comes after the producers of what it reads, keeping the existing order
    /// wherever it is already valid, so that the same graph always serializes the same way.
    /// </summary>
    /// <exception cref="ModelFormatException">The graph has a cycle or reads a tensor that nothing defines.</exception>
    public static void SortTopologically(GraphProto graph)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal) { string.Empty };
        foreach (var input in graph.Input)
        {
            defined.Add(input.Name);
        }

        foreach (var initializer in graph.Initializer)
        {
            defined.Add(initializer.Name);
        }

        var nodes = graph.Node.ToList();
        var producerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var output in nodes[i].Output)
            {
                if (output.Length > 0)
                {
                    producerIndex[output] = i;
                }
            }
        }

        // Kahn's algorithm, always taking the ready node that came first, so a valid order is left unchanged.
        var waitingOn = new int[nodes.Count];
        var dependents = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            dependents[i] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var name in NodeReads(nodes[i]).Distinct(StringComparer.Ordinal))
            {
                if (producerIndex.TryGetValue(name, out var producer))
                {
                    waitingOn[i]++;
                    dependents[producer].Add(i);
                }
                else if (!defined.Contains(name))
                {
                    throw new ModelFormatException(
                        $"Node '{nodes[i].Name}' ({nodes[i].OpType}) reads '{name}', which no node, input or " +
                        "initializer of the graph defines.");
                }
            }
        }

        var ready = new SortedSet<int>();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (waitingOn[i] == 0)
            {
                ready.Add(i);
            }
        }

        var sorted = new List<NodeProto>(nodes.Count);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            sorted.Add(nodes[next]);
            foreach (var dependent in dependents[next])
            {
                if (--waitingOn[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        if (sorted.Count != nodes.Count)
        {
            var stuck = nodes[Array.FindIndex(waitingOn, w => w > 0)];
            throw new ModelFormatException(
                $"Node '{stuck.Name}' ({stuck.OpType}) is part of a cycle; an ONNX graph must be acyclic.");
        }

        graph.Node.Clear();
        graph.Node.AddRange(sorted);
    }

    /// <summary>Gets the integer attribute of a node, or a default when it is absent.</summary>
    public static long GetInt(NodeProto node, string name, long defaultValue)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute.I;
            }
        }

        return defaultValue;
    }

    /// <summary>Gets the float attribute of a node, or a default when it is absent.</summary>
    public static float GetFloat(NodeProto node, string name, float defaultValue)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute.F;
            }
        }

        return defaultValue;
    }

    /// <summary>Gets an attribute by name, or <see langword="null"/>.</summary>
    public static AttributeProto? FindAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>Sets an integer attribute, replacing one of the same name.</summary>
    public static void SetInt(NodeProto node, string name, long value)
    {
        var existing = FindAttribute(node, name);
        if (existing is not null)
        {
            node.Attribute.Remove(existing);
        }

        node.Attribute.Add(Attr.Int(name, value));
    }

    private static IEnumerable<string> ReadNames(GraphProto graph)
    {
        foreach (var node in graph.Node)
        {
            foreach (var name in NodeReads(node))
            {
                yield return name;
            }
        }
    }

    private static bool Defines(GraphProto graph, string name) =>
        graph.Input.Any(i => i.Name == name) ||
        graph.Initializer.Any(i => i.Name == name) ||
        graph.Node.Any(n => n.Output.Contains(name));

    private static IEnumerable<string> CapturedNames(GraphProto subgraph)
    {
        var local = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in subgraph.Input)
        {
            local.Add(input.Name);
        }

        foreach (var initializer in subgraph.Initializer)
        {
            local.Add(initializer.Name);
        }

        foreach (var node in subgraph.Node)
        {
            foreach (var output in node.Output)
            {
                local.Add(output);
            }
        }

        foreach (var node in subgraph.Node)
        {
            foreach (var name in NodeReads(node))
            {
                if (!local.Contains(name))
                {
                    yield return name;
                }
            }
        }

        foreach (var output in subgraph.Output)
        {
            if (!local.Contains(output.Name))
            {
                yield return output.Name;
            }
        }
    }
}
