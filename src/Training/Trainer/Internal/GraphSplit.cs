using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// One graph cut in two at some of its inputs: <see cref="First"/> computes everything that does not depend on them
/// and also outputs the tensors the rest reads (<see cref="Carried"/>); <see cref="Second"/> takes those tensors and
/// the cut inputs as inputs and computes the rest. Running both, the second on the first's carried outputs, computes
/// what the whole graph computes, with no node run twice.
/// </summary>
/// <param name="First">The part that does not depend on the cut inputs.</param>
/// <param name="Second">The part that does.</param>
/// <param name="Carried">The tensors the first part outputs for the second.</param>
internal sealed record GraphSplit(ModelProto First, ModelProto Second, IReadOnlyList<string> Carried)
{
    // Operators whose outputs need not have their first input's type; shape inference types these itself.
    private static readonly HashSet<string> s_typeChanging = new(StringComparer.Ordinal)
    {
        "Cast", "CastLike", "Shape", "Size", "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Not",
        "And", "Or", "Xor", "IsNaN", "IsInf", "ArgMax", "ArgMin", "NonZero", "Constant",
        "ConstantOfShape", "EyeLike", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Unique",
        "DequantizeLinear", "QuantizeLinear", "DynamicQuantizeLinear",
    };

    /// <summary>Cuts a graph at some of its inputs.</summary>
    /// <param name="model">The whole graph; its nodes in a topological order.</param>
    /// <param name="cutInputs">The graph inputs whose values are known only later.</param>
    /// <param name="firstOutputs">The outputs wanted from the first part; none may depend on a cut input.</param>
    /// <param name="secondOutputs">
    /// The outputs wanted after the second part; one that does not depend on a cut input is output by the first part.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// A first-part output depends on a cut input, or a carried tensor's element type cannot be inferred.
    /// </exception>
    public static GraphSplit Cut(
        ModelProto model,
        IReadOnlyCollection<string> cutInputs,
        IReadOnlyCollection<string> firstOutputs,
        IReadOnlyCollection<string> secondOutputs)
    {
        var graph = model.Graph;
        var late = new HashSet<string>(cutInputs, StringComparer.Ordinal);
        var secondNode = new bool[graph.Node.Count];
        for (var n = 0; n < graph.Node.Count; n++)
        {
            var node = graph.Node[n];
            if (node.Input.Any(late.Contains))
            {
                secondNode[n] = true;
                late.UnionWith(node.Output.Where(o => o.Length > 0));
            }
        }

        if (firstOutputs.FirstOrDefault(late.Contains) is { } wrong)
        {
            throw new InvalidOperationException(
                $"The output '{wrong}' depends on the inputs [{string.Join(", ", cutInputs)}], which are not known " +
                "when the first part runs.");
        }

        var secondWanted = secondOutputs.Where(late.Contains).ToArray();
        var secondKept = Needed(graph, secondWanted, n => secondNode[n], out var secondReads);
        var carried = secondReads.Where(t => !cutInputs.Contains(t) && Produced(graph, t, secondNode))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] firstWanted = [.. firstOutputs, .. secondOutputs.Where(o => !late.Contains(o)), .. carried];
        var firstKept = Needed(graph, firstWanted, n => !secondNode[n], out _);

        var inferred = ShapeInference.Infer(model, updateValueInfo: false);
        var types = ElementTypes(graph, inferred);
        ValueInfoProto Info(string name)
        {
            var existing = graph.Input.Concat(graph.Output).Concat(graph.ValueInfo).FirstOrDefault(v => v.Name == name);
            if (existing is not null)
            {
                return existing.Clone();
            }

            if (!types.TryGetValue(name, out var type))
            {
                throw new InvalidOperationException(
                    $"The element type of '{name}', which the second part of the split graph reads, is not known.");
            }

            return ValueInfos.Tensor(name, type, inferred.TryGetShape(name, out var shape) ? shape : null);
        }

        return new GraphSplit(
            Part(model, firstKept, firstWanted.Distinct().Select(Info), secondReads: null),
            Part(model, secondKept, secondWanted.Select(Info), carried.Select(Info)),
            carried);
    }

    /// <summary>
    /// Gets the element type of every tensor shape inference typed, and of the outputs of operators it does not know
    /// (such as <c>SpaceToDepth</c>) where the operator keeps its input's type.
    /// </summary>
    private static Dictionary<string, ElementType> ElementTypes(GraphProto graph, ShapeInferenceResult inferred)
    {
        var types = new Dictionary<string, ElementType>(StringComparer.Ordinal);
        foreach (var info in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
        {
            if (ValueInfos.GetElementType(info) is var type && type != ElementType.Undefined)
            {
                types[info.Name] = type;
            }
        }

        foreach (var initializer in graph.Initializer)
        {
            types[initializer.Name] = (ElementType)initializer.DataType;
        }

        // Until nothing changes: a pass types what the outputs of the last one made known.
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var node in graph.Node)
            {
                for (var k = 0; k < node.Output.Count; k++)
                {
                    var output = node.Output[k];
                    if (output.Length == 0 || types.ContainsKey(output))
                    {
                        continue;
                    }

                    if (inferred.TryGetElementType(output, out var type) && type != ElementType.Undefined)
                    {
                        types[output] = type;
                        changed = true;
                    }
                    else if (k == 1 && node.OpType is ("MaxPool" or "TopK" or "Dropout"))
                    {
                        // The indices, or the dropout's mask.
                        types[output] = node.OpType == "Dropout" ? ElementType.Bool : ElementType.Int64;
                        changed = true;
                    }
                    else if (!s_typeChanging.Contains(node.OpType) &&
                        node.Input.FirstOrDefault(types.ContainsKey) is { } input)
                    {
                        types[output] = types[input];
                        changed = true;
                    }
                }
            }
        }

        return types;
    }

    /// <summary>Finds the nodes (of those <paramref name="eligible"/>) that the wanted tensors need.</summary>
    private static bool[] Needed(GraphProto graph, IEnumerable<string> wanted, Func<int, bool> eligible,
        out HashSet<string> reads)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < graph.Node.Count; n++)
        {
            foreach (var output in graph.Node[n].Output.Where(o => o.Length > 0))
            {
                producer[output] = n;
            }
        }

        var kept = new bool[graph.Node.Count];
        reads = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(wanted);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var tensor))
        {
            if (!seen.Add(tensor))
            {
                continue;
            }

            if (!producer.TryGetValue(tensor, out var n) || !eligible(n))
            {
                // A graph input, an initializer, or a tensor from the other part.
                reads.Add(tensor);
                continue;
            }

            if (kept[n])
            {
                continue;
            }

            kept[n] = true;
            foreach (var input in graph.Node[n].Input.Where(i => i.Length > 0))
            {
                pending.Push(input);
            }

            foreach (var subgraphInput in SubgraphReads(graph.Node[n]))
            {
                pending.Push(subgraphInput);
            }
        }

        return kept;
    }

    private static IEnumerable<string> SubgraphReads(NodeProto node) =>
        node.Attribute.Where(a => a.G is not null).SelectMany(a => a.G.Node.SelectMany(n => n.Input))
            .Where(i => i.Length > 0);

    private static bool Produced(GraphProto graph, string tensor, bool[] secondNode)
    {
        for (var n = 0; n < graph.Node.Count; n++)
        {
            if (!secondNode[n] && graph.Node[n].Output.Contains(tensor))
            {
                return true;
            }
        }

        return false;
    }

    private static ModelProto Part(ModelProto model, bool[] kept, IEnumerable<ValueInfoProto> outputs,
        IEnumerable<ValueInfoProto>? secondReads)
    {
        var source = model.Graph;
        var part = model.Clone();
        var graph = part.Graph;
        graph.Node.Clear();
        graph.Node.AddRange(source.Node.Where((_, n) => kept[n]).Select(n => n.Clone()));
        var used = graph.Node.SelectMany(n => n.Input.Concat(SubgraphReads(n))).ToHashSet(StringComparer.Ordinal);
        var outputList = outputs.ToArray();
        used.UnionWith(outputList.Select(o => o.Name));
        var initializers = source.Initializer.Where(i => used.Contains(i.Name)).ToArray();
        var inputs = source.Input.Where(i => used.Contains(i.Name)).ToList();
        if (secondReads is not null)
        {
            inputs.AddRange(secondReads);
        }

        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        graph.Output.Clear();
        graph.Output.AddRange(outputList);
        graph.ValueInfo.Clear();
        return part;
    }
}
