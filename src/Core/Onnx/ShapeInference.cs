using MtlOnnx.Onnx.Internal;

namespace MtlOnnx.Onnx;

/// <summary>
/// Infers the element type and static shape of every tensor in a graph, in one pass over its nodes, for the
/// operators that MtlOnnx builds and differentiates and that PyTorch exports. Symbolic dimensions such as
/// <c>batch</c> are carried through; integer tensors that describe shapes (the outputs of <c>Shape</c>, <c>Gather</c>,
/// <c>Concat</c> and small constants) are tracked by value, so reshapes computed at run time resolve too.
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
        var facts = new Dictionary<string, TensorFacts>(StringComparer.Ordinal);
        var declared = new Dictionary<string, ValueInfoProto>(StringComparer.Ordinal);
        foreach (var info in graph.ValueInfo.Concat(graph.Output))
        {
            declared.TryAdd(info.Name, info);
        }

        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            inputs.Add(input.Name);
            if (FromValueInfo(input) is { } f)
            {
                facts[input.Name] = f;
            }
        }

        foreach (var initializer in graph.Initializer)
        {
            // An initializer that is also an input is only a default value, so its values are not constants.
            var constant = ConstantFacts.FromTensor(initializer);
            facts[initializer.Name] = inputs.Contains(initializer.Name)
                ? constant with { Values = null, Floats = null }
                : constant;
        }

        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            var nodeOpset = node.Domain is "" or "ai.onnx" ? opset : 1;
            var context = new NodeContext(node, nodeOpset, facts);
            var known = false;
            if (node.Domain is "" or "ai.onnx")
            {
                try
                {
                    known = ShapeRules.Apply(context);
                }
                catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException
                    or OverflowException or NullReferenceException)
                {
                    // A malformed node (wrong attribute lengths, say) is the validator's or the runtime's to report;
                    // inference just learns nothing from it.
                    Array.Clear(context.Outputs);
                }
            }

            if (!known)
            {
                unknown.Add(node.OpType);
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                var name = node.Output[i];
                if (name.Length == 0)
                {
                    continue;
                }

                var inferred = context.Outputs[i];
                var existing = declared.TryGetValue(name, out var info) ? FromValueInfo(info) : null;
                var merged = Merge(inferred, existing);
                if (merged is not null)
                {
                    facts[name] = merged;
                }
            }
        }

        if (updateValueInfo)
        {
            Write(graph, facts);
        }

        return new ShapeInferenceResult(facts, [.. unknown]);
    }

    private static TensorFacts? FromValueInfo(ValueInfoProto info)
    {
        var type = ValueInfos.GetElementType(info);
        var shape = ValueInfos.GetShape(info);
        return type == ElementType.Undefined && shape is null ? null : new TensorFacts(type, shape);
    }

    // Inferred facts win, but a dimension or type the model already states fills what inference left unknown.
    private static TensorFacts? Merge(TensorFacts? inferred, TensorFacts? existing)
    {
        if (inferred is null || existing is null)
        {
            return inferred ?? existing;
        }

        var type = inferred.Type != ElementType.Undefined ? inferred.Type : existing.Type;
        var shape = inferred.Shape ?? existing.Shape;
        if (inferred.Shape is { } a && existing.Shape is { } b && a.Length == b.Length)
        {
            shape = a.Select((d, i) => d.IsFixed || d.Param is not null ? d : b[i]).ToArray();
        }

        return inferred with { Type = type, Shape = shape };
    }

    private static void Write(GraphProto graph, Dictionary<string, TensorFacts> facts)
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
