namespace MtlOnnx.Onnx;

/// <summary>
/// Checks the structure of a model's graph: every node input is defined before it is used, no tensor is produced
/// twice, nodes are in topological order without cycles, every operator's domain is imported, the graph declares
/// outputs that exist, and inputs and initializers do not clash. Subgraphs are checked with the names of their
/// enclosing graphs in scope.
/// </summary>
/// <remarks>
/// An initializer that has the same name as a graph input is allowed from IR version 4 on (the input overrides a
/// default); before IR version 4 every initializer must also be an input.
/// </remarks>
public static class GraphValidator
{
    private const int MaxProblemsInMessage = 5;

    /// <summary>Finds every structural problem of a model.</summary>
    /// <param name="model">The model.</param>
    /// <returns>One full sentence per problem; empty when the model is sound.</returns>
    public static IReadOnlyList<string> Validate(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var problems = new List<string>();
        if (model.Graph is null)
        {
            problems.Add("The model has no graph.");
            return problems;
        }

        var domains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var import in model.OpsetImport)
        {
            domains.Add(NormalizeDomain(import.Domain));
        }

        if (model.OpsetImport.Count == 0)
        {
            problems.Add("The model imports no operator set; it needs an opset import for the 'ai.onnx' domain.");
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        ValidateGraph(model.Graph, model.IrVersion, domains, reported, new HashSet<string>(StringComparer.Ordinal),
            problems, isMain: true);
        return problems;
    }

    /// <summary>Throws when a model has structural problems.</summary>
    /// <param name="model">The model.</param>
    /// <param name="source">The file or name to put in the message, or <see langword="null"/>.</param>
    /// <exception cref="ModelFormatException">The model has at least one problem; the message lists them.</exception>
    public static void ThrowIfInvalid(ModelProto model, string? source = null)
    {
        var problems = Validate(model);
        if (problems.Count == 0)
        {
            return;
        }

        var prefix = source is null ? string.Empty : $"'{source}' is not a valid model. ";
        var shown = string.Join(" ", problems.Take(MaxProblemsInMessage));
        var more = problems.Count > MaxProblemsInMessage
            ? $" ({problems.Count - MaxProblemsInMessage} more problems not shown.)"
            : string.Empty;
        throw new ModelFormatException(prefix + shown + more);
    }

    /// <summary>Describes a node for messages: its name, or its position when it has none, and its operator.</summary>
    /// <param name="node">The node.</param>
    /// <param name="index">The node's position in its graph.</param>
    /// <returns>For example <c>Node 'conv2' (Conv)</c>.</returns>
    public static string Describe(NodeProto node, int index)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Name.Length > 0 ? $"Node '{node.Name}' ({node.OpType})" : $"Node #{index} ({node.OpType})";
    }

    private static string NormalizeDomain(string domain) => domain is "ai.onnx" ? string.Empty : domain;

    private static void ValidateGraph(
        GraphProto graph,
        long irVersion,
        HashSet<string> domains,
        HashSet<string> reportedDomains,
        HashSet<string> outer,
        List<string> problems,
        bool isMain)
    {
        var defined = new HashSet<string>(outer, StringComparer.Ordinal);
        var graphName = graph.Name.Length > 0 ? graph.Name : "<unnamed>";
        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            if (!inputs.Add(input.Name))
            {
                problems.Add($"Graph '{graphName}': input '{input.Name}' is declared twice.");
            }

            defined.Add(input.Name);
        }

        var initializers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
        {
            if (!initializers.Add(initializer.Name))
            {
                problems.Add($"Graph '{graphName}': initializer '{initializer.Name}' is declared twice.");
            }

            if (isMain && irVersion is > 0 and < 4 && !inputs.Contains(initializer.Name))
            {
                problems.Add(
                    $"Graph '{graphName}': initializer '{initializer.Name}' is not a graph input, which IR version " +
                    $"{irVersion} requires.");
            }

            defined.Add(initializer.Name);
        }

        foreach (var sparse in graph.SparseInitializer)
        {
            if (sparse.Values is not null)
            {
                defined.Add(sparse.Values.Name);
            }
        }

        // First pass: who produces what, so that a late producer is told apart from a missing one.
        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            foreach (var output in node.Output)
            {
                if (output.Length == 0)
                {
                    continue;
                }

                if (producers.TryGetValue(output, out var first))
                {
                    problems.Add(
                        $"{Describe(node, i)}: output '{output}' is already produced by " +
                        $"{Describe(graph.Node[first], first).Replace("Node", "node", StringComparison.Ordinal)}.");
                }
                else if (inputs.Contains(output))
                {
                    problems.Add($"{Describe(node, i)}: output '{output}' is already a graph input.");
                }
                else if (initializers.Contains(output))
                {
                    problems.Add($"{Describe(node, i)}: output '{output}' is already an initializer.");
                }
                else
                {
                    producers[output] = i;
                }
            }
        }

        var late = new List<(int Node, string Input, int Producer)>();
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            var domain = NormalizeDomain(node.Domain);
            if (!domains.Contains(domain) && reportedDomains.Add(domain))
            {
                problems.Add(
                    $"{Describe(node, i)}: its domain '{(domain.Length == 0 ? "ai.onnx" : domain)}' is not imported " +
                    "by the model's opset imports.");
            }

            foreach (var input in node.Input)
            {
                if (input.Length == 0 || defined.Contains(input))
                {
                    continue;
                }

                if (producers.TryGetValue(input, out var producer))
                {
                    late.Add((i, input, producer));
                }
                else
                {
                    problems.Add(
                        $"{Describe(node, i)}: input '{input}' is not produced by any node, input or initializer.");
                }
            }

            foreach (var attribute in node.Attribute)
            {
                var subgraphs = attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G);
                foreach (var subgraph in subgraphs)
                {
                    ValidateGraph(subgraph, irVersion, domains, reportedDomains, defined, problems, isMain: false);
                }
            }

            foreach (var output in node.Output)
            {
                if (output.Length > 0)
                {
                    defined.Add(output);
                }
            }
        }

        if (late.Count > 0)
        {
            ReportOrder(graph, late, problems);
        }

        if (graph.Output.Count == 0)
        {
            problems.Add($"Graph '{graphName}' declares no outputs.");
        }

        foreach (var output in graph.Output)
        {
            if (!defined.Contains(output.Name))
            {
                problems.Add(
                    $"Graph '{graphName}': output '{output.Name}' is not produced by any node, input or initializer.");
            }
        }
    }

    private static void ReportOrder(
        GraphProto graph,
        List<(int Node, string Input, int Producer)> late,
        List<string> problems)
    {
        // Kahn's algorithm over node-to-node edges: what it cannot schedule lies on or behind a cycle.
        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var output in graph.Node[i].Output)
            {
                if (output.Length > 0)
                {
                    producers.TryAdd(output, i);
                }
            }
        }

        var pending = new int[graph.Node.Count];
        var consumers = new List<int>[graph.Node.Count];
        for (var i = 0; i < graph.Node.Count; i++)
        {
            consumers[i] = [];
        }

        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var input in graph.Node[i].Input.Distinct(StringComparer.Ordinal))
            {
                if (input.Length > 0 && producers.TryGetValue(input, out var producer))
                {
                    pending[i]++;
                    consumers[producer].Add(i);
                }
            }
        }

        var ready = new Queue<int>(Enumerable.Range(0, graph.Node.Count).Where(i => pending[i] == 0));
        var scheduled = 0;
        while (ready.Count > 0)
        {
            var next = ready.Dequeue();
            scheduled++;
            foreach (var consumer in consumers[next])
            {
                if (--pending[consumer] == 0)
                {
                    ready.Enqueue(consumer);
                }
            }
        }

        if (scheduled < graph.Node.Count)
        {
            var stuck = Enumerable.Range(0, graph.Node.Count).Where(i => pending[i] > 0).ToList();
            var names = string.Join(", ", stuck.Take(MaxProblemsInMessage).Select(i => Describe(graph.Node[i], i)[5..]));
            problems.Add(
                $"Graph '{graph.Name}' has a cycle: nodes {names}{(stuck.Count > MaxProblemsInMessage ? ", ..." : "")} " +
                "depend on each other's outputs.");
            return;
        }

        foreach (var (node, input, producer) in late)
        {
            problems.Add(
                $"{Describe(graph.Node[node], node)}: input '{input}' is produced by " +
                $"{Describe(graph.Node[producer], producer).Replace("Node", "node", StringComparison.Ordinal)}, which " +
                "comes later; nodes must be in topological order.");
        }
    }
}
