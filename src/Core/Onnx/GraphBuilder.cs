namespace MtlOnnx.Onnx;

/// <summary>
/// Builds or extends an ONNX graph: inputs and outputs with types and shapes, initializers, nodes with attributes
/// and names that never collide. Produces models at opset <see cref="DefaultOpset"/> and IR version
/// <see cref="DefaultIrVersion"/> unless told otherwise, so that older tools and edge runtimes read them.
/// </summary>
/// <remarks>
/// A builder is not thread-safe. Nodes are appended in the order they are added, which must be a topological
/// order: every input of a node must exist when the node is added.
/// </remarks>
public sealed class GraphBuilder
{
    /// <summary>The <c>ai.onnx</c> opset that new graphs import.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The IR version that new models declare.</summary>
    public const int DefaultIrVersion = 8;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Initializes a builder for a new, empty graph.</summary>
    /// <param name="graphName">The graph's name.</param>
    /// <param name="opset">The <c>ai.onnx</c> opset to import.</param>
    public GraphBuilder(string graphName = "main", int opset = DefaultOpset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(opset, 1);
        Graph = new GraphProto { Name = graphName };
        _opsets[string.Empty] = opset;
        IrVersion = DefaultIrVersion;
    }

    private GraphBuilder(ModelProto model)
    {
        Graph = model.Graph ?? new GraphProto { Name = "main" };
        IrVersion = model.IrVersion;
        foreach (var import in model.OpsetImport)
        {
            _opsets[import.Domain is "ai.onnx" ? string.Empty : import.Domain] = import.Version;
        }

        if (!_opsets.ContainsKey(string.Empty))
        {
            _opsets[string.Empty] = DefaultOpset;
        }

        foreach (var name in GraphNames.AllNames(Graph))
        {
            _names.Add(name);
        }

        Template = model;
    }

    /// <summary>Gets the graph being built. Changes made to it directly are seen by the builder.</summary>
    public GraphProto Graph { get; }

    /// <summary>Gets the <c>ai.onnx</c> opset the graph imports.</summary>
    public int Opset => (int)_opsets[string.Empty];

    /// <summary>Gets or sets the IR version written by <see cref="ToModel"/>.</summary>
    public long IrVersion { get; set; }

    /// <summary>Gets the opset imports, keyed by domain; the empty domain is <c>ai.onnx</c>.</summary>
    public IReadOnlyDictionary<string, long> Opsets => _opsets;

    private ModelProto? Template { get; }

    /// <summary>
    /// Creates a builder that extends a copy of an existing model's main graph, keeping its opset imports,
    /// metadata and names. The source model is not changed.
    /// </summary>
    /// <param name="model">The model to extend.</param>
    /// <returns>The builder.</returns>
    public static GraphBuilder FromModel(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new GraphBuilder(model.Clone());
    }

    /// <summary>
    /// Returns <paramref name="hint"/>, or <paramref name="hint"/> with a numeric suffix, such that the name is used
    /// by no tensor or node of the graph, and reserves it.
    /// </summary>
    /// <param name="hint">The preferred name.</param>
    /// <returns>A name unique in the graph.</returns>
    public string UniqueName(string hint)
    {
        ArgumentException.ThrowIfNullOrEmpty(hint);
        if (_names.Add(hint))
        {
            return hint;
        }

        string candidate;
        do
        {
            candidate = $"{hint}_{++_counter}";
        }
        while (!_names.Add(candidate));

        return candidate;
    }

    /// <summary>Gets whether a tensor or node with this name already exists in the graph.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> when the name is taken.</returns>
    public bool IsNameTaken(string name) => _names.Contains(name);

    /// <summary>Declares that the graph uses an operator set, or raises the version of one it already uses.</summary>
    /// <param name="domain">The domain; the empty string is <c>ai.onnx</c>.</param>
    /// <param name="version">The opset version.</param>
    public void ImportOpset(string domain, int version)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (!_opsets.TryGetValue(domain, out var existing) || existing < version)
        {
            _opsets[domain] = version;
        }
    }

    /// <summary>Adds a graph input.</summary>
    /// <param name="name">The input name; must not be taken.</param>
    /// <param name="type">The element type.</param>
    /// <param name="shape">The shape; symbolic dimensions such as <c>"batch"</c> are allowed.</param>
    /// <returns>The input as a value for later nodes.</returns>
    /// <exception cref="ArgumentException">The name is already used in the graph.</exception>
    public GraphValue AddInput(string name, ElementType type, params Dim[] shape)
    {
        Reserve(name);
        Graph.Input.Add(ValueInfos.Tensor(name, type, shape));
        return new GraphValue(name);
    }

    /// <summary>Marks a value as a graph output.</summary>
    /// <param name="value">The value; an input, initializer or node output of the graph.</param>
    /// <param name="type">The element type.</param>
    /// <param name="shape">The shape, or <see langword="null"/> when the rank is not known.</param>
    public void AddOutput(GraphValue value, ElementType type, Dim[]? shape = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(value.Name, nameof(value));
        Graph.Output.Add(ValueInfos.Tensor(value.Name, type, shape));
    }

    /// <summary>Adds an initializer (a constant tensor) to the graph.</summary>
    /// <param name="tensor">The tensor; its name must not be taken.</param>
    /// <returns>The initializer as a value for later nodes.</returns>
    public GraphValue AddInitializer(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Reserve(tensor.Name);
        Graph.Initializer.Add(tensor);
        return new GraphValue(tensor.Name);
    }

    /// <summary>Adds a float initializer from a span.</summary>
    /// <param name="name">The name; must not be taken.</param>
    /// <param name="dims">The shape.</param>
    /// <param name="values">The elements in row-major order.</param>
    /// <returns>The initializer as a value.</returns>
    public GraphValue AddInitializer(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values) =>
        AddInitializer(TensorProtos.FromFloats(name, dims, values));

    /// <summary>Adds a 64-bit integer initializer from a span.</summary>
    /// <param name="name">The name; must not be taken.</param>
    /// <param name="dims">The shape.</param>
    /// <param name="values">The elements in row-major order.</param>
    /// <returns>The initializer as a value.</returns>
    public GraphValue AddInitializer(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values) =>
        AddInitializer(TensorProtos.FromInt64s(name, dims, values));

    /// <summary>Adds a float scalar constant under a fresh name.</summary>
    /// <param name="value">The value.</param>
    /// <param name="hint">A name hint.</param>
    /// <returns>The constant as a value.</returns>
    public GraphValue Scalar(float value, string hint = "const") =>
        AddReservedInitializer(TensorProtos.FromFloats(UniqueName(hint), [], [value]));

    /// <summary>Adds a one-dimensional int64 constant under a fresh name, as shapes and axes need.</summary>
    /// <param name="values">The values.</param>
    /// <param name="hint">A name hint.</param>
    /// <returns>The constant as a value.</returns>
    public GraphValue Int64s(ReadOnlySpan<long> values, string hint = "const") =>
        AddReservedInitializer(TensorProtos.FromInt64s(UniqueName(hint), [values.Length], values));

    // For constants whose name UniqueName has already reserved.
    private GraphValue AddReservedInitializer(TensorProto tensor)
    {
        Graph.Initializer.Add(tensor);
        return new GraphValue(tensor.Name);
    }

    /// <summary>Adds a node with one output.</summary>
    /// <param name="opType">The operator, for example <c>MatMul</c>.</param>
    /// <param name="inputs">The inputs; <see cref="GraphValue.None"/> for an omitted optional input.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The node's output.</returns>
    public GraphValue Node(string opType, GraphValue[] inputs, params AttributeProto[] attributes) =>
        Node(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with any number of outputs, named after the operator.</summary>
    /// <param name="opType">The operator.</param>
    /// <param name="inputs">The inputs; <see cref="GraphValue.None"/> for an omitted optional input.</param>
    /// <param name="outputCount">The number of outputs to create.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The node's outputs, in order.</returns>
    public GraphValue[] Node(string opType, GraphValue[] inputs, int outputCount, params AttributeProto[] attributes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outputCount);
        var outputs = new string[outputCount];
        for (var i = 0; i < outputCount; i++)
        {
            outputs[i] = UniqueName(outputCount == 1 ? $"{opType}_out" : $"{opType}_out{i}");
        }

        var node = AddNodeCore(opType, inputs.Select(v => v.Name), outputs, null, string.Empty, attributes, false);
        return node.Output.Select(o => new GraphValue(o)).ToArray();
    }

    /// <summary>Adds a node with outputs whose names the caller chooses (for example a graph output's name).</summary>
    /// <param name="opType">The operator.</param>
    /// <param name="inputs">The input tensor names; the empty string for an omitted optional input.</param>
    /// <param name="outputs">The output tensor names; they must not be taken, except for the empty string.</param>
    /// <param name="name">The node name, or <see langword="null"/> for a fresh one.</param>
    /// <param name="domain">The operator's domain; the empty string for <c>ai.onnx</c>.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The node that was added.</returns>
    public NodeProto NewNode(
        string opType,
        IEnumerable<string> inputs,
        IEnumerable<string> outputs,
        string? name = null,
        string domain = "",
        params AttributeProto[] attributes) =>
        AddNodeCore(opType, inputs, outputs, name, domain, attributes, reserveOutputs: true);

    private NodeProto AddNodeCore(
        string opType,
        IEnumerable<string> inputs,
        IEnumerable<string> outputs,
        string? name,
        string domain,
        AttributeProto[] attributes,
        bool reserveOutputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var node = new NodeProto
        {
            OpType = opType,
            Domain = domain,
            Name = name is null ? UniqueName(opType) : ReserveAndReturn(name),
        };
        node.Input.AddRange(inputs);
        foreach (var output in outputs)
        {
            if (reserveOutputs && output.Length > 0)
            {
                Reserve(output);
            }

            node.Output.Add(output);
        }

        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return node;
    }

    /// <summary>
    /// Copies the nodes and initializers of <paramref name="subgraph"/> into this graph, renaming every internal
    /// tensor with <paramref name="prefix"/> and binding the subgraph's inputs to <paramref name="inputs"/>, so that
    /// one block can be instantiated many times.
    /// </summary>
    /// <param name="subgraph">The block; its inputs are bound by position.</param>
    /// <param name="inputs">The values to bind to the block's inputs.</param>
    /// <param name="prefix">The prefix for the copied names, for example <c>layer1.</c>.</param>
    /// <returns>The values of the block's outputs, in order.</returns>
    /// <exception cref="ArgumentException">The number of inputs does not match the block's.</exception>
    public GraphValue[] Inline(GraphProto subgraph, IReadOnlyList<GraphValue> inputs, string prefix)
    {
        ArgumentNullException.ThrowIfNull(subgraph);
        ArgumentNullException.ThrowIfNull(inputs);
        if (subgraph.Input.Count != inputs.Count)
        {
            throw new ArgumentException(
                $"Subgraph '{subgraph.Name}' has {subgraph.Input.Count} inputs, but {inputs.Count} values were given.",
                nameof(inputs));
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal) { [string.Empty] = string.Empty };
        for (var i = 0; i < inputs.Count; i++)
        {
            map[subgraph.Input[i].Name] = inputs[i].Name;
        }

        foreach (var initializer in subgraph.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = UniqueName(prefix + initializer.Name);
            map[initializer.Name] = copy.Name;
            Graph.Initializer.Add(copy);
        }

        foreach (var node in subgraph.Node)
        {
            var copy = node.Clone();
            copy.Name = UniqueName(prefix + (node.Name.Length > 0 ? node.Name : node.OpType));
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(n => map.TryGetValue(n, out var m) ? m : n));
            copy.Output.Clear();
            foreach (var output in node.Output)
            {
                var renamed = output.Length == 0 ? string.Empty : UniqueName(prefix + output);
                map[output] = renamed;
                copy.Output.Add(renamed);
            }

            Graph.Node.Add(copy);
        }

        return subgraph.Output.Select(o => new GraphValue(map.TryGetValue(o.Name, out var m) ? m : o.Name)).ToArray();
    }

    /// <summary>Creates a model around the graph with the builder's opset imports and IR version.</summary>
    /// <param name="producerName">The producer name to record.</param>
    /// <returns>A new model that shares this builder's graph.</returns>
    public ModelProto ToModel(string producerName = "MtlOnnx")
    {
        var model = Template?.Clone() ?? new ModelProto { ProducerName = producerName, ProducerVersion = Version };
        model.IrVersion = IrVersion;
        model.Graph = Graph;
        model.OpsetImport.Clear();
        foreach (var (domain, version) in _opsets.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        return model;
    }

    private static string Version =>
        typeof(GraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private string ReserveAndReturn(string name)
    {
        Reserve(name);
        return name;
    }

    private void Reserve(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is already used in graph '{Graph.Name}'.", nameof(name));
        }
    }
}
