using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Replaces every node whose result does not depend on the graph inputs by an initializer holding that result:
/// <c>Constant</c> nodes, <c>Shape</c> and <c>Size</c> of tensors whose shape is static, the integer arithmetic on
/// shapes that exporters emit (<c>Gather</c>, <c>Concat</c>, <c>Unsqueeze</c>, <c>Cast</c> of shape elements) where
/// it does not involve a symbolic dimension, and any deterministic node whose inputs are all constant (transposed
/// weights, say). The values are computed by ONNX Runtime itself in probe runs, so the folded graph computes exactly
/// what the original did.
/// </summary>
internal static class ConstantFolding
{
    /// <summary>Operators whose output shape depends on the values of their data input.</summary>
    private static readonly HashSet<string> s_valueShapedOps = new(StringComparer.Ordinal)
    {
        "NonZero", "Unique", "Compress", "NonMaxSuppression", "Loop", "If", "Scan", "StringSplit",
    };

    /// <summary>Operators whose output shape depends on the values of their inputs after the first.</summary>
    private static readonly HashSet<string> s_parameterShapedOps = new(StringComparer.Ordinal)
    {
        "Reshape", "Expand", "Tile", "Slice", "Resize", "Pad", "Squeeze", "Unsqueeze", "OneHot", "Upsample", "TopK",
        "Split", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
    };

    /// <summary>Operators whose output shape depends on the values of all their inputs.</summary>
    private static readonly HashSet<string> s_fullyValueShapedOps = new(StringComparer.Ordinal)
    {
        "ConstantOfShape", "Range",
    };

    /// <summary>Folded results larger than this (bytes), and larger than their inputs, are left to the runtime.</summary>
    private const long MaxGrowthBytes = 1 << 20;

    /// <summary>Shape arithmetic results up to this many elements are compared across the probe runs.</summary>
    private const long MaxShapeTensorElements = 64;

    /// <summary>Applies the pass and returns the number of nodes folded.</summary>
    public static int Apply(ModelProto model)
    {
        var graph = model.Graph;
        var constant = new HashSet<string>(StringComparer.Ordinal) { string.Empty };
        var inputs = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
        {
            if (!inputs.Contains(initializer.Name))
            {
                constant.Add(initializer.Name);
            }
        }

        // Which tensors' values depend on the input data (not only on input shapes), and which tensors' shapes do:
        // the probes see two random inputs, but a static shape is only trusted when no input value can change it.
        var valueFollowsData = new HashSet<string>(inputs.Where(i => !constant.Contains(i)), StringComparer.Ordinal);
        var shapeFollowsData = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            var reads = GraphEdit.NodeReads(node).ToList();
            var valueDependent = node.OpType is "Shape" or "Size"
                ? shapeFollowsData.Contains(node.Input[0])
                : reads.Any(valueFollowsData.Contains);
            var shapeDependent = reads.Any(shapeFollowsData.Contains) ||
                s_valueShapedOps.Contains(node.OpType) ||
                (s_parameterShapedOps.Contains(node.OpType) && node.Input.Skip(1).Any(valueFollowsData.Contains)) ||
                (s_fullyValueShapedOps.Contains(node.OpType) && node.Input.Any(valueFollowsData.Contains));
            foreach (var output in node.Output)
            {
                if (valueDependent)
                {
                    valueFollowsData.Add(output);
                }

                if (shapeDependent)
                {
                    shapeFollowsData.Add(output);
                }
            }
        }

        // Tensors computed from shapes alone: their values are compared between the two probe runs.
        var shapeDerived = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                if (output.Length > 0 && !valueFollowsData.Contains(output) && !shapeFollowsData.Contains(output))
                {
                    shapeDerived.Add(output);
                }
            }
        }

        var probe = GraphProbe.Run(model, ProbeSmall(model, shapeDerived));
        var taken = GraphEdit.TakenNames(graph);
        foreach (var node in graph.Node)
        {
            if (node.OpType == "Reshape" && TrySimplifyReshape(graph, node, shapeDerived, probe, taken))
            {
                constant.Add(node.Input[1]);
            }
        }

        var folded = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var initializers = GraphEdit.Initializers(graph);
        foreach (var node in graph.Node)
        {
            if (!IsFoldable(node, constant, shapeDerived, shapeFollowsData, probe, initializers))
            {
                continue;
            }

            folded.Add(node);
            foreach (var output in node.Output)
            {
                constant.Add(output);
            }
        }

        if (folded.Count == 0)
        {
            return 0;
        }

        // Only the folded tensors that something else still reads need a value; the rest die with their nodes.
        var foldedOutputs = new HashSet<string>(
            folded.SelectMany(n => n.Output).Where(o => o.Length > 0), StringComparer.Ordinal);
        var frontier = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            if (!folded.Contains(node))
            {
                frontier.UnionWith(GraphEdit.NodeReads(node).Where(foldedOutputs.Contains));
            }
        }

        frontier.UnionWith(graph.Output.Select(o => o.Name).Where(foldedOutputs.Contains));
        var values = GraphProbe.Run(model, frontier);
        var kept = graph.Node.Where(n => !folded.Contains(n)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        foreach (var name in frontier)
        {
            graph.Initializer.Add(values[name]!.Value);
        }

        return folded.Count;
    }

    /// <summary>
    /// Replaces a target shape computed from the input's own shape, as in <c>x.view(x.size(0), -1)</c>, by a
    /// constant in which each element that followed a symbolic dimension of the input is 0 ("copy this dimension").
    /// </summary>
    private static bool TrySimplifyReshape(
        GraphProto graph,
        NodeProto reshape,
        HashSet<string> shapeDerived,
        GraphProbe probe,
        HashSet<string> taken)
    {
        if (reshape.Input.Count < 2 ||
            GraphEdit.GetInt(reshape, "allowzero", 0) != 0 ||
            !shapeDerived.Contains(reshape.Input[1]) ||
            probe[reshape.Input[1]] is not { Value: { } firstValue, SecondValue: { } secondValue } target ||
            target.IsValueStatic ||
            probe[reshape.Input[0]] is not { } data)
        {
            return false;
        }

        var first = TensorProtos.ToArray<long>(firstValue);
        var second = TensorProtos.ToArray<long>(secondValue);
        if (first.Length != second.Length)
        {
            return false;
        }

        var simplified = new long[first.Length];
        for (var i = 0; i < first.Length; i++)
        {
            if (first[i] == second[i])
            {
                simplified[i] = first[i];
            }
            else if (i < data.Rank && first[i] == data.First[i] && second[i] == data.Second[i])
            {
                simplified[i] = 0;
            }
            else
            {
                return false;
            }
        }

        var name = GraphEdit.FreshName(taken, reshape.Name.Length > 0 ? reshape.Name + "_shape" : "reshape_shape");
        graph.Initializer.Add(TensorProtos.FromInt64s(name, [simplified.Length], simplified));
        reshape.Input[1] = name;
        return true;
    }

    private static HashSet<string> ProbeSmall(ModelProto model, HashSet<string> shapeDerived)
    {
        // A first probe without values gives the sizes, so that only small shape tensors are fetched twice.
        var sizes = GraphProbe.Run(model, new HashSet<string>());
        return shapeDerived
            .Where(n => sizes[n] is { } t && t.IsShapeStatic && TensorProtos.ElementCount(t.First) <= MaxShapeTensorElements)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static bool IsFoldable(
        NodeProto node,
        HashSet<string> constant,
        HashSet<string> shapeDerived,
        HashSet<string> shapeFollowsData,
        GraphProbe probe,
        Dictionary<string, TensorProto> initializers)
    {
        if ((node.Domain.Length > 0 && node.Domain != "ai.onnx") ||
            GraphEdit.NonDeterministicOps.Contains(node.OpType) ||
            GraphEdit.Subgraphs(node).Any() ||
            node.Output.Any(o => o.Length > 0 && probe[o] is null))
        {
            return false;
        }

        var outputs = node.Output.Where(o => o.Length > 0).ToList();
        if (node.OpType is "Shape" or "Size")
        {
            var input = probe[node.Input[0]];
            return input is not null && input.IsShapeStatic && !shapeFollowsData.Contains(node.Input[0]);
        }

        // Shape arithmetic that gave the same result at two different sizes of every symbolic dimension.
        if (outputs.All(shapeDerived.Contains) && outputs.All(o => probe[o]!.IsValueStatic))
        {
            return true;
        }

        var reads = GraphEdit.NodeReads(node).ToList();
        if (!reads.All(constant.Contains))
        {
            return false;
        }

        if (node.OpType == "Constant")
        {
            return true;
        }

        long inputBytes = 0;
        foreach (var read in reads)
        {
            if (probe[read] is { } tensor)
            {
                inputBytes += ByteSize(tensor);
            }
            else if (initializers.TryGetValue(read, out var initializer))
            {
                inputBytes += initializer.RawData.Length + (initializer.FloatData.Count * 4L) +
                    (initializer.Int64Data.Count * 8L) + (initializer.Int32Data.Count * 4L);
            }
        }

        var outputBytes = outputs.Sum(o => ByteSize(probe[o]!));
        return outputBytes <= Math.Max(MaxGrowthBytes, inputBytes);
    }

    private static long ByteSize(ProbedTensor tensor)
    {
        var size = tensor.Type is ElementType.String or ElementType.Undefined ? 8 : ElementTypes.SizeOf(tensor.Type);
        return TensorProtos.ElementCount(tensor.First) * size;
    }
}
