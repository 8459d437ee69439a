using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Converts a float32 inference graph to float16 weights and compute. Only operators known to be safe in half
/// precision run in float16; the numerically sensitive ones (softmax, normalizations, reductions, exponentials and
/// logarithms, and any operator not on the list) keep float32, with <c>Cast</c> nodes at each boundary. Inputs and
/// outputs stay float32.
/// </summary>
internal static class Float16Conversion
{
    /// <summary>Operators whose float inputs and outputs may all be float16.</summary>
    private static readonly HashSet<string> s_halfSafe = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Relu", "LeakyRelu",
        "PRelu", "Sigmoid", "HardSigmoid", "Tanh", "Clip", "Max", "Min", "Sum", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat",
        "Split", "Slice", "Gather", "Expand", "Tile", "Pad", "Where", "Identity", "Erf", "Elu", "Selu", "Celu",
        "HardSwish", "DepthToSpace", "SpaceToDepth",
    };

    /// <summary>Operators that accept any element type and whose float outputs keep their input's type.</summary>
    private static readonly HashSet<string> s_typeAgnostic = new(StringComparer.Ordinal) { "Shape", "Size", "Cast" };

    /// <summary>The largest finite float16 value; larger weights are clamped to it.</summary>
    private const float MaxHalf = 65504f;

    /// <summary>Converts the model in place.</summary>
    /// <returns>The number of nodes that run in float16.</returns>
    public static int Apply(ModelProto model)
    {
        var graph = model.Graph;
        var probe = GraphProbe.Run(model, new HashSet<string>());
        var floats = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in GraphEdit.TakenNames(graph))
        {
            if (probe[name]?.Type == ElementType.Float)
            {
                floats.Add(name);
            }
        }

        floats.UnionWith(graph.Initializer.Where(t => t.DataType == (int)ElementType.Float).Select(t => t.Name));
        bool IsFloat(string name) => floats.Contains(name);

        var halfNodes = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Node)
        {
            if (s_halfSafe.Contains(node.OpType) && node.Domain.Length == 0 &&
                node.Input.Concat(node.Output).Any(n => n.Length > 0 && IsFloat(n)))
            {
                halfNodes.Add(node);
            }
        }

        // The precision each float tensor is produced in; graph inputs and float32 nodes produce float32.
        var producedHalf = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in halfNodes)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0 && IsFloat(o)))
            {
                producedHalf.Add(output);
            }
        }

        var taken = GraphEdit.TakenNames(graph);
        var initializers = GraphEdit.Initializers(graph);
        var consumers = GraphEdit.Consumers(graph);

        // Outputs must stay float32: the producer writes a renamed float16 tensor and a Cast restores the name;
        // float32 readers of the output read that Cast.
        var tail = new List<NodeProto>();
        var casts = new Dictionary<(string, bool), string>();
        foreach (var output in graph.Output)
        {
            if (!producedHalf.Contains(output.Name))
            {
                continue;
            }

            var name = output.Name;
            var half = GraphEdit.FreshName(taken, name + "_fp16");
            var producer = graph.Node.First(n => n.Output.Contains(name));
            GraphEdit.RenameProduced(graph, producer, name, half);
            output.Name = name;
            producedHalf.Remove(name);
            producedHalf.Add(half);
            floats.Add(half);
            casts[(half, false)] = name;
            tail.Add(CastNode(taken, half, name, ElementType.Float));
        }

        var halfInitializers = new Dictionary<string, string>(StringComparer.Ordinal);
        var inserts = new List<(NodeProto Before, NodeProto Cast)>();
        foreach (var node in graph.Node.ToList())
        {
            if (s_typeAgnostic.Contains(node.OpType))
            {
                continue;
            }

            var wantHalf = halfNodes.Contains(node);
            for (var i = 0; i < node.Input.Count; i++)
            {
                var input = node.Input[i];
                if (input.Length == 0 || !IsFloat(input))
                {
                    continue;
                }

                if (initializers.TryGetValue(input, out var initializer))
                {
                    if (wantHalf)
                    {
                        node.Input[i] = HalfInitializer(graph, initializer, halfInitializers, taken, consumers, halfNodes);
                    }

                    continue;
                }

                var isHalf = producedHalf.Contains(input);
                if (isHalf == wantHalf)
                {
                    continue;
                }

                if (!casts.TryGetValue((input, wantHalf), out var converted))
                {
                    converted = GraphEdit.FreshName(taken, input + (wantHalf ? "_fp16" : "_fp32"));
                    inserts.Add((node, CastNode(taken, input, converted, wantHalf ? ElementType.Float16 : ElementType.Float)));
                    casts[(input, wantHalf)] = converted;
                }

                node.Input[i] = converted;
            }
        }

        foreach (var (before, cast) in inserts)
        {
            graph.Node.Insert(graph.Node.IndexOf(before), cast);
        }

        graph.Node.AddRange(tail);
        GraphEdit.SortTopologically(graph);
        DeadCodeElimination.Apply(graph);
        graph.ValueInfo.Clear();
        return halfNodes.Count;
    }

    /// <summary>Converts an initializer in place when only float16 nodes read it, or adds a float16 copy.</summary>
    private static string HalfInitializer(
        GraphProto graph,
        TensorProto initializer,
        Dictionary<string, string> converted,
        HashSet<string> taken,
        Dictionary<string, List<NodeProto>> consumers,
        HashSet<NodeProto> halfNodes)
    {
        if (converted.TryGetValue(initializer.Name, out var existing))
        {
            return existing;
        }

        var onlyHalfReaders = consumers.TryGetValue(initializer.Name, out var readers) && readers.All(halfNodes.Contains) &&
            graph.Output.All(o => o.Name != initializer.Name);
        var name = onlyHalfReaders ? initializer.Name : GraphEdit.FreshName(taken, initializer.Name + "_fp16");
        var values = TensorProtos.ToArray<float>(initializer);
        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)Math.Clamp(values[i], -MaxHalf, MaxHalf);
        }

        var half = TensorProtos.Create<Half>(name, ElementType.Float16, initializer.Dims.ToArray(), halves);
        if (onlyHalfReaders)
        {
            graph.Initializer[graph.Initializer.IndexOf(initializer)] = half;
        }
        else
        {
            graph.Initializer.Add(half);
        }

        converted[initializer.Name] = name;
        return name;
    }

    private static NodeProto CastNode(HashSet<string> taken, string input, string output, ElementType to)
    {
        var node = new NodeProto { OpType = "Cast", Name = GraphEdit.FreshName(taken, output + "_cast") };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(Attr.Int("to", (long)to));
        return node;
    }
}
