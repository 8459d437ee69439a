namespace MtlOnnx.Onnx.Internal;

/// <summary>
/// One node as shape inference sees it: the facts about its inputs, its attributes, the opset, and where to put
/// what it learns about its outputs.
/// </summary>
internal sealed class NodeContext
{
    private readonly IReadOnlyDictionary<string, TensorFacts> _facts;

    /// <summary>Initializes a context for one node.</summary>
    /// <param name="node">The node.</param>
    /// <param name="opset">The opset of the node's domain.</param>
    /// <param name="facts">What is known so far, by tensor name.</param>
    public NodeContext(NodeProto node, long opset, IReadOnlyDictionary<string, TensorFacts> facts)
    {
        Node = node;
        Opset = opset;
        _facts = facts;
        Outputs = new TensorFacts?[node.Output.Count];
    }

    /// <summary>Gets the node.</summary>
    public NodeProto Node { get; }

    /// <summary>Gets the opset version that applies to the node.</summary>
    public long Opset { get; }

    /// <summary>Gets the facts set for the node's outputs, by position.</summary>
    public TensorFacts?[] Outputs { get; }

    /// <summary>Gets the number of inputs, omitted trailing ones included.</summary>
    public int InputCount => Node.Input.Count;

    /// <summary>Gets whether input <paramref name="index"/> is present (not omitted).</summary>
    /// <param name="index">The input position.</param>
    /// <returns><see langword="true"/> when the input names a tensor.</returns>
    public bool HasInput(int index) => index < Node.Input.Count && Node.Input[index].Length > 0;

    /// <summary>Gets the facts of an input, or null when the input is omitted or nothing is known.</summary>
    /// <param name="index">The input position.</param>
    /// <returns>The facts.</returns>
    public TensorFacts? Input(int index) =>
        HasInput(index) && _facts.TryGetValue(Node.Input[index], out var facts) ? facts : null;

    /// <summary>Gets the shape of an input, or null.</summary>
    /// <param name="index">The input position.</param>
    /// <returns>The shape.</returns>
    public Dim[]? Shape(int index) => Input(index)?.Shape;

    /// <summary>Gets the element type of an input, or undefined.</summary>
    /// <param name="index">The input position.</param>
    /// <returns>The element type.</returns>
    public ElementType Type(int index) => Input(index)?.Type ?? ElementType.Undefined;

    /// <summary>Gets the values of a small integer input, fixed or symbolic, or null.</summary>
    /// <param name="index">The input position.</param>
    /// <returns>The values.</returns>
    public SymInt[]? Values(int index) => Input(index)?.Values;

    /// <summary>Gets the values of a small integer input when all are fixed, or null.</summary>
    /// <param name="index">The input position.</param>
    /// <returns>The values.</returns>
    public long[]? ConstInts(int index)
    {
        var values = Values(index);
        return values is not null && values.All(v => v.IsFixed) ? values.Select(v => v.Value!.Value).ToArray() : null;
    }

    /// <summary>Gets the values of a small numeric constant input as doubles, or null.</summary>
    /// <param name="index">The input position.</param>
    /// <returns>The values.</returns>
    public double[]? ConstNumbers(int index) =>
        Input(index)?.Floats ?? ConstInts(index)?.Select(v => (double)v).ToArray();

    /// <summary>Gets an attribute, or null when the node does not set it.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The attribute.</returns>
    public AttributeProto? Attribute(string name)
    {
        // Nodes carry a handful of attributes at most, so a scan beats building a dictionary per node.
        foreach (var attribute in Node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>Gets an integer attribute.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="fallback">The value when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    /// <summary>Gets a float attribute.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="fallback">The value when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    /// <summary>Gets a list-of-integers attribute, or null when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The values.</returns>
    public long[]? Ints(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;

    /// <summary>Gets a list-of-floats attribute, or null when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The values.</returns>
    public float[]? Floats(string name) => Attribute(name) is { } a ? a.Floats.ToArray() : null;

    /// <summary>Gets a string attribute, or the fallback when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="fallback">The value when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public string String(string name, string fallback) =>
        Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>Records what is known about an output.</summary>
    /// <param name="index">The output position; ignored when the node has fewer outputs.</param>
    /// <param name="type">The element type.</param>
    /// <param name="shape">The shape, or null when the rank is not known.</param>
    /// <param name="values">The values of a small integer output, or null.</param>
    /// <param name="floats">The values of a small floating-point output, or null.</param>
    public void SetOutput(int index, ElementType type, Dim[]? shape, SymInt[]? values = null, double[]? floats = null)
    {
        if (index >= Outputs.Length || Node.Output[index].Length == 0)
        {
            return;
        }

        if (type == ElementType.Undefined && shape is null)
        {
            return;
        }

        if (values is not null && values.Length > TensorFacts.MaxTrackedValues)
        {
            values = null;
        }

        Outputs[index] = new TensorFacts(type, shape, values, floats);
    }

    /// <summary>Gives output <paramref name="index"/> everything known about input <paramref name="input"/>.</summary>
    /// <param name="index">The output position.</param>
    /// <param name="input">The input position.</param>
    public void CopyAll(int index, int input)
    {
        if (Input(input) is { } facts)
        {
            SetOutput(index, facts);
        }
    }

    /// <summary>Records everything known about an output at once, a constant's value included.</summary>
    /// <param name="index">The output position; ignored when the node has fewer outputs.</param>
    /// <param name="facts">The facts.</param>
    public void SetOutput(int index, TensorFacts facts)
    {
        if (index < Outputs.Length && Node.Output[index].Length > 0)
        {
            Outputs[index] = facts;
        }
    }

    /// <summary>Gives output <paramref name="index"/> the type and shape of input <paramref name="input"/>.</summary>
    /// <param name="index">The output position.</param>
    /// <param name="input">The input position.</param>
    public void SameAs(int index, int input)
    {
        if (Input(input) is { } facts)
        {
            SetOutput(index, facts.Type, facts.Shape);
        }
    }
}
