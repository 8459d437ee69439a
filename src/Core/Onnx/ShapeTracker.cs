using MtlOnnx.Onnx.Internal;

namespace MtlOnnx.Onnx;

/// <summary>
/// Infers element types and shapes node by node, for graphs that are still being built: the caller records what it
/// knows about tensors (graph inputs, initializers, constants), then asks for the outputs of each node as it adds
/// it. Symbolic dimensions such as <c>batch</c> are carried through, and small integer tensors that describe shapes
/// (the outputs of <c>Shape</c>, <c>Gather</c>, <c>Concat</c> and small constants) are tracked by value, so that
/// <c>Shape → Gather → Concat → Reshape</c> chains resolve.
/// <see cref="ShapeInference.Infer(GraphProto, long, bool)"/> runs the same rules over a whole graph.
/// </summary>
/// <remarks>
/// Inference never throws on a node: an operator without a rule, or with inputs it cannot read, leaves its outputs
/// unknown, or takes them from what <see cref="Declare(ValueInfoProto)"/> recorded. Only <c>ai.onnx</c> operators
/// have rules; subgraphs of control-flow operators are not entered. Instances are not thread-safe.
/// </remarks>
public sealed class ShapeTracker
{
    private static readonly TensorFacts s_unknown = new(ElementType.Undefined, null);

    private readonly Dictionary<string, TensorFacts> _facts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorFacts> _declared = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _unknownOperators = new(StringComparer.Ordinal);

    /// <summary>Initializes an empty tracker for nodes of a given <c>ai.onnx</c> opset.</summary>
    /// <param name="opset">The <c>ai.onnx</c> opset version the nodes follow.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is less than 1.</exception>
    public ShapeTracker(long opset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(opset, 1);
        Opset = opset;
    }

    /// <summary>Gets the <c>ai.onnx</c> opset version the rules follow.</summary>
    public long Opset { get; }

    /// <summary>Gets the names of all tensors with a known element type or rank.</summary>
    public IEnumerable<string> Names => _facts.Where(p => !IsEmpty(p.Value)).Select(p => p.Key);

    /// <summary>Gets the operator types, sorted, of the nodes inferred so far that have no rule.</summary>
    public IReadOnlyCollection<string> UnknownOperators => _unknownOperators;

    internal IReadOnlyDictionary<string, TensorFacts> Facts => _facts;

    /// <summary>
    /// Records what a graph states before any of its nodes run: the types and shapes of its inputs, the types,
    /// shapes and values of its initializers, and its <c>value_info</c> and outputs as fallbacks for
    /// <see cref="InferNode"/>. The graph's nodes are not inferred.
    /// </summary>
    /// <param name="graph">The graph.</param>
    /// <exception cref="ArgumentNullException"><paramref name="graph"/> is <see langword="null"/>.</exception>
    public void AddGraph(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        foreach (var info in graph.ValueInfo.Concat(graph.Output))
        {
            if (!_declared.ContainsKey(info.Name))
            {
                Declare(info);
            }
        }

        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            inputs.Add(input.Name);
            if (FromValueInfo(input) is { } facts)
            {
                _facts[input.Name] = facts;
            }
        }

        foreach (var initializer in graph.Initializer)
        {
            // An initializer that is also an input is only a default value, so its values are not constants.
            var constant = ConstantFacts.FromTensor(initializer);
            _facts[initializer.Name] = inputs.Contains(initializer.Name)
                ? constant with { Values = null, Floats = null, Constant = null }
                : constant;
        }
    }

    /// <summary>
    /// Records the type and shape a graph declares for a tensor, as the fallback for what inference of its producer
    /// leaves unknown. Inferred facts win, but a declared fixed size fills an unknown or symbolic dimension.
    /// </summary>
    /// <param name="info">The declaration.</param>
    /// <exception cref="ArgumentNullException"><paramref name="info"/> is <see langword="null"/>.</exception>
    public void Declare(ValueInfoProto info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (FromValueInfo(info) is { } facts)
        {
            _declared[info.Name] = facts;
        }
    }

    /// <summary>Records the element type and shape of a tensor whose values are not known before running.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="type">The element type, or <see cref="ElementType.Undefined"/>.</param>
    /// <param name="shape">The dimensions, or <see langword="null"/> when the rank is not known.</param>
    /// <param name="values">
    /// The elements of a small integer tensor when they are known, or <see langword="null"/>.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public void SetTensor(string name, ElementType type, IReadOnlyList<Dim>? shape, IReadOnlyList<long>? values = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var tracked = values is { Count: <= TensorFacts.MaxTrackedValues } ? values.Select(SymInt.Of).ToArray() : null;
        _facts[name] = new TensorFacts(type, shape?.ToArray(), tracked);
    }

    /// <summary>Records a constant tensor (an initializer that is no graph input), with its values.</summary>
    /// <param name="name">The tensor name, which may differ from the tensor's own.</param>
    /// <param name="tensor">The tensor; kept by reference, so it must not change afterwards.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public void SetConstant(string name, TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensor);
        _facts[name] = ConstantFacts.FromTensor(tensor);
    }

    /// <summary>Gives a tensor everything known about another one, as when a tensor is renamed.</summary>
    /// <param name="from">The tensor whose facts are copied.</param>
    /// <param name="to">The tensor that receives them.</param>
    /// <returns><see langword="true"/> when anything was known about <paramref name="from"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public bool CopyTensor(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (!_facts.TryGetValue(from, out var facts))
        {
            return false;
        }

        _facts[to] = facts;
        return true;
    }

    /// <summary>
    /// Infers the outputs of one node from what is known about its inputs and records them, replacing what was
    /// known about those outputs before.
    /// </summary>
    /// <param name="node">The node; its inputs should be known already, as they are in topological order.</param>
    /// <returns><see langword="true"/> when the node's operator has a rule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is <see langword="null"/>.</exception>
    public bool InferNode(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var isOnnx = node.Domain is "" or "ai.onnx";
        var context = new NodeContext(node, isOnnx ? Opset : 1, _facts);
        var known = false;
        if (isOnnx)
        {
            try
            {
                known = ShapeRules.Apply(context);
            }
            catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException
                or OverflowException or NullReferenceException or ModelFormatException)
            {
                // A malformed node (wrong attribute lengths, say) is the validator's or the runtime's to report;
                // inference just learns nothing from it.
                Array.Clear(context.Outputs);
            }
        }

        if (!known)
        {
            _unknownOperators.Add(node.OpType);
        }

        for (var i = 0; i < node.Output.Count; i++)
        {
            var name = node.Output[i];
            if (name.Length > 0)
            {
                _facts[name] = Merge(context.Outputs[i], _declared.GetValueOrDefault(name)) ?? s_unknown;
            }
        }

        return known;
    }

    /// <summary>Gets whether anything, element type or rank, is known about a tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns><see langword="true"/> when the type or the rank is known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public bool Contains(string name) => Get(name) is { } facts && !IsEmpty(facts);

    /// <summary>Gets the element type of a tensor.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The element type, or <see cref="ElementType.Undefined"/> when it is not known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public ElementType GetElementType(string name) => Get(name)?.Type ?? ElementType.Undefined;

    /// <summary>Gets the shape of a tensor; dimensions may be fixed, symbolic or <see cref="Dim.Unknown"/>.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The dimensions, or <see langword="null"/> when the rank is not known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<Dim>? GetShape(string name) => Get(name)?.Shape;

    /// <summary>Gets the shape of a tensor when every dimension is a fixed number.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The sizes, or <see langword="null"/> when the rank or any dimension is not fixed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public long[]? GetStaticShape(string name)
    {
        if (Get(name)?.Shape is not { } shape)
        {
            return null;
        }

        var result = new long[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i].Value is not { } size)
            {
                return null;
            }

            result[i] = size;
        }

        return result;
    }

    /// <summary>
    /// Gets the elements of an integer or boolean tensor when they are known before running: those of a constant of
    /// any size, or of a small tensor computed from shapes and constants.
    /// </summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The elements in row-major order, or <see langword="null"/> when any is not known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public long[]? GetInt64Values(string name)
    {
        var facts = Get(name);
        return facts?.FixedValues ?? (facts?.Constant is { } c ? Read(c, ConstantFacts.ToInt64s) : null);
    }

    /// <summary>
    /// Gets the elements of a numeric tensor as doubles when they are known before running: those of a constant of
    /// any size, or of a small tensor computed from constants.
    /// </summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The elements in row-major order, or <see langword="null"/> when any is not known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public double[]? GetDoubleValues(string name)
    {
        var facts = Get(name);
        if (facts?.Floats is { } floats)
        {
            return floats;
        }

        if (facts?.Constant is { } c)
        {
            return Read(c, ConstantFacts.ToDoubles);
        }

        return facts?.FixedValues?.Select(v => (double)v).ToArray();
    }

    /// <summary>Gets a snapshot of what is known about every tensor so far.</summary>
    /// <returns>The types and shapes.</returns>
    public ShapeInferenceResult ToResult()
    {
        var known = new Dictionary<string, TensorFacts>(_facts.Count, StringComparer.Ordinal);
        foreach (var (name, facts) in _facts)
        {
            if (!IsEmpty(facts))
            {
                known[name] = facts;
            }
        }

        return new ShapeInferenceResult(known, [.. _unknownOperators]);
    }

    private TensorFacts? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _facts.GetValueOrDefault(name);
    }

    private static bool IsEmpty(TensorFacts facts) => facts.Type == ElementType.Undefined && facts.Shape is null;

    private static T[]? Read<T>(TensorProto tensor, Func<TensorProto, T[]?> reader)
    {
        try
        {
            return reader(tensor);
        }
        catch (Exception ex) when (ex is ModelFormatException or ArgumentException)
        {
            return null;
        }
    }

    private static TensorFacts? FromValueInfo(ValueInfoProto info)
    {
        var type = ValueInfos.GetElementType(info);
        var shape = ValueInfos.GetShape(info);
        return type == ElementType.Undefined && shape is null ? null : new TensorFacts(type, shape);
    }

    // Inferred facts win, but what the graph declares fills what inference left unknown: the type, the rank, and
    // dimensions that are unknown, or symbolic where the declaration has a fixed size.
    private static TensorFacts? Merge(TensorFacts? inferred, TensorFacts? declared)
    {
        if (inferred is null || declared is null)
        {
            return inferred ?? declared;
        }

        var type = inferred.Type != ElementType.Undefined ? inferred.Type : declared.Type;
        var shape = inferred.Shape ?? declared.Shape;
        if (inferred.Shape is { } a && declared.Shape is { } b && a.Length == b.Length)
        {
            shape = new Dim[a.Length];
            for (var i = 0; i < a.Length; i++)
            {
                shape[i] = a[i].IsFixed || (a[i].Param is not null && !b[i].IsFixed) ? a[i] : b[i];
            }
        }

        return inferred with { Type = type, Shape = shape };
    }
}
