using MtlOnnx.Onnx.Internal;

namespace MtlOnnx.Onnx;

/// <summary>
/// Infers the element type and static shape of every tensor in a graph, in one pass of a <see cref="ShapeTracker"/>
/// over its nodes, for the operators that MtlOnnx builds and differentiates and that PyTorch exports. Symbolic
/// dimensions such as <c>batch</c> are carried through; integer tensors that describe shapes (the outputs of
/// <c>Shape</c>, <c>Gather</c>, <c>Concat</c> and small constants) are tracked by value, so reshapes computed at
/// run time resolve too.
/// </summary>
/// <remarks>
/// Inference never throws on a graph: an operator without a rule, or with inputs it cannot read, leaves its outputs
/// unknown (or takes them from the model's existing <c>value_info</c>). Subgraphs of control-flow operators are not
/// entered.
/// </remarks>
public static class ShapeInference
{
    /// <summary>
    /// Infers types and shapes for a model's main graph and, when asked, records them in the graph's
    /// <c>value_info</c> and in graph outputs that lack a type or shape.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="updateValueInfo">Whether to write the results into the graph.</param>
    /// <returns>The types and shapes found.</returns>
    /// <exception cref="ArgumentException">The model has no graph.</exception>
    public static ShapeInferenceResult Infer(ModelProto model, bool updateValueInfo = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            throw new ArgumentException("The model has no graph.", nameof(model));
        }

        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var import in model.OpsetImport)
        {
            opsets[import.Domain is "ai.onnx" ? string.Empty : import.Domain] = import.Version;
        }

        return Infer(model.Graph, opsets.GetValueOrDefault(string.Empty, GraphBuilder.DefaultOpset), updateValueInfo);
    }

    /// <summary>Infers types and shapes for a graph at a given <c>ai.onnx</c> opset.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="opset">The <c>ai.onnx</c> opset version the graph's nodes follow.</param>
    /// <param name="updateValueInfo">Whether to write the results into the graph.</param>
    /// <returns>The types and shapes found.</returns>
    public static ShapeInferenceResult Infer(GraphProto graph, long opset, bool updateValueInfo = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var tracker = new ShapeTracker(opset);
        tracker.AddGraph(graph);
        foreach (var node in graph.Node)
        {
            tracker.InferNode(node);
        }

        if (updateValueInfo)
        {
            Write(graph, tracker.Facts);
        }

        return tracker.ToResult();
    }

    private static void Write(GraphProto graph, IReadOnlyDictionary<string, TensorFacts> facts)
    {
        var outputs = new Dictionary<string, ValueInfoProto>(StringComparer.Ordinal);
        foreach (var output in graph.Output)
        {
            outputs.TryAdd(output.Name, output);
        }

        var existing = new Dictionary<string, ValueInfoProto>(StringComparer.Ordinal);
        foreach (var info in graph.ValueInfo)
        {
            existing.TryAdd(info.Name, info);
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        var infos = new List<ValueInfoProto>();
        foreach (var node in graph.Node)
        {
            foreach (var name in node.Output)
            {
                if (name.Length == 0 || !written.Add(name))
                {
                    continue;
                }

                facts.TryGetValue(name, out var f);
                if (outputs.TryGetValue(name, out var output))
                {
                    FillOutput(output, f);
                }
                else if (f is not null && f.Type != ElementType.Undefined)
                {
                    infos.Add(ValueInfos.Tensor(name, f.Type, f.Shape));
                }
                else if (existing.TryGetValue(name, out var kept))
                {
                    infos.Add(kept);
                }
            }
        }

        // Entries for names that no node produces (left by other tools) are kept as they were.
        infos.AddRange(existing.Values.Where(v => !written.Contains(v.Name)));
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(infos);
    }

    private static void FillOutput(ValueInfoProto output, TensorFacts? facts)
    {
        if (facts is null || output.Type?.ValueCase is TypeProto.ValueOneofCase.SequenceType
            or TypeProto.ValueOneofCase.MapType or TypeProto.ValueOneofCase.OptionalType)
        {
            return;
        }

        output.Type ??= new TypeProto();
        output.Type.TensorType ??= new TypeProto.Types.Tensor();
        if (output.Type.TensorType.ElemType == 0 && facts.Type != ElementType.Undefined)
        {
            output.Type.TensorType.ElemType = (int)facts.Type;
        }

        if (output.Type.TensorType.Shape is null && facts.Shape is not null)
        {
            output.Type.TensorType.Shape = ValueInfos.ToShape(facts.Shape);
        }
    }
}
