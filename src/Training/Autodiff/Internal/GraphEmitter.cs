using System.Globalization;
using Microsoft.Extensions.Logging;
using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>
/// Holds the graph under differentiation: unique names, shape facts, the forward node list and the nodes the
/// gradient rules emit, either into the backward part or, to let saved activations die early, into the forward
/// part right after the producers of their inputs.
/// </summary>
internal sealed class GraphEmitter
{
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _forwardIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<NodeProto>> _forwardSide = [];
    private readonly HashSet<string> _emittedTensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _anchorOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _memo = new(StringComparer.Ordinal);

    public GraphEmitter(GraphBuilder builder, ShapeTracker shapes, List<NodeProto> forward, ILogger logger)
    {
        Logger = logger;
        Builder = builder;
        Shapes = shapes;
        Forward = forward;
        ReindexForward();
    }

    public GraphBuilder Builder { get; }

    public ILogger Logger { get; }

    public ShapeTracker Shapes { get; }

    public int Opset => (int)Shapes.Opset;

    public List<NodeProto> Forward { get; }

    public List<NodeProto> Backward { get; } = [];

    /// <summary>Gets the hint used to name what the current rule emits.</summary>
    public string Hint { get; set; } = "grad";

    public IReadOnlyDictionary<int, List<NodeProto>> ForwardSide => _forwardSide;

    public bool IsEmitted(string tensor) => _emittedTensors.Contains(tensor);

    public void ReindexForward()
    {
        _forwardIndex.Clear();
        for (var i = 0; i < Forward.Count; i++)
        {
            foreach (var output in Forward[i].Output)
            {
                if (output.Length > 0)
                {
                    _forwardIndex[output] = i;
                }
            }
        }
    }

    /// <summary>Gets the index of the forward node producing a tensor, or -1 for inputs and initializers.</summary>
    public int ProducerIndex(string tensor) => _forwardIndex.TryGetValue(tensor, out var i) ? i : -1;

    /// <summary>Emits a node into the backward part and infers its outputs.</summary>
    public string[] Emit(
        string opType,
        IReadOnlyList<string> inputs,
        int outputCount,
        IEnumerable<AttributeProto> attributes) =>
        EmitCore(opType, inputs, outputCount, attributes, Backward);

    /// <summary>
    /// Emits a node into the forward part, right after the last forward producer of its inputs, so that it runs
    /// while those inputs are still live and only its (smaller) result is kept for the backward pass.
    /// </summary>
    public string[] EmitForward(
        string opType,
        IReadOnlyList<string> inputs,
        int outputCount,
        IEnumerable<AttributeProto> attributes)
    {
        var anchor = -1;
        foreach (var input in inputs)
        {
            if (input.Length == 0)
            {
                continue;
            }

            if (_emittedTensors.Contains(input) && !_anchorOf.ContainsKey(input))
            {
                // An input computed in the backward part cannot be used earlier.
                return Emit(opType, inputs, outputCount, attributes);
            }

            anchor = Math.Max(anchor, _anchorOf.TryGetValue(input, out var a) ? a : ProducerIndex(input));
        }

        if (!_forwardSide.TryGetValue(anchor, out var list))
        {
            list = [];
            _forwardSide[anchor] = list;
        }

        var outputs = EmitCore(opType, inputs, outputCount, attributes, list);
        foreach (var output in outputs)
        {
            _anchorOf[output] = anchor;
        }

        return outputs;
    }

    private string[] EmitCore(
        string opType,
        IReadOnlyList<string> inputs,
        int outputCount,
        IEnumerable<AttributeProto> attributes,
        List<NodeProto> target)
    {
        var node = new NodeProto { OpType = opType, Name = Builder.UniqueName($"{Hint}/{opType}") };
        node.Input.AddRange(inputs);
        for (var i = 0; i < outputCount; i++)
        {
            var output = Builder.UniqueName(outputCount == 1 ? $"{Hint}/{opType}_out" : $"{Hint}/{opType}_out{i}");
            node.Output.Add(output);
            _emittedTensors.Add(output);
        }

        node.Attribute.AddRange(attributes);
        target.Add(node);
        Shapes.InferNode(node);
        return [.. node.Output];
    }

    /// <summary>
    /// Creates a forward node (for training-mode rewrites) with the given output names, or fresh ones where a name
    /// is null, and infers its outputs. The caller places it in <see cref="Forward"/>.
    /// </summary>
    public NodeProto CreateForwardNode(
        string opType,
        IReadOnlyList<string> inputs,
        IReadOnlyList<string?> outputs,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Builder.UniqueName($"{Hint}/{opType}") };
        node.Input.AddRange(inputs);
        foreach (var output in outputs)
        {
            node.Output.Add(output ?? Builder.UniqueName($"{Hint}/{opType}_out"));
        }

        node.Attribute.AddRange(attributes);
        Shapes.InferNode(node);
        return node;
    }

    /// <summary>Returns the value stored under a key, or creates and stores it.</summary>
    public string Memoize(string key, Func<string> create)
    {
        if (!_memo.TryGetValue(key, out var value))
        {
            value = create();
            _memo[key] = value;
        }

        return value;
    }

    /// <summary>Adds (once) a constant initializer and returns its name.</summary>
    public string Constant(TensorProto tensor, string hint)
    {
        var key = $"{tensor.DataType}|{string.Join(',', tensor.Dims)}|{Convert.ToBase64String(tensor.RawData.Span)}";
        if (_constants.TryGetValue(key, out var existing))
        {
            return existing;
        }

        // UniqueName reserves the name, so the initializer goes straight into the graph.
        tensor.Name = Builder.UniqueName(hint);
        Builder.Graph.Initializer.Add(tensor);
        Shapes.SetConstant(tensor.Name, tensor);
        _constants[key] = tensor.Name;
        return tensor.Name;
    }

    public string Int64s(IReadOnlyList<long> values, bool scalar = false) =>
        Constant(TensorProtos.FromInt64s(string.Empty, scalar ? [] : [values.Count], values.ToArray()), "const_i64");

    /// <summary>Adds a constant of any floating-point type filled with one value.</summary>
    public string Filled(double value, ElementType type, IReadOnlyList<long> dims)
    {
        var shape = dims.ToArray();
        var count = (int)TensorProtos.ElementCount(shape);
        var tensor = type switch
        {
            ElementType.Double => TensorProtos.Create(string.Empty, type, shape, Enumerable.Repeat(value, count).ToArray()),
            ElementType.Float16 =>
                TensorProtos.Create(string.Empty, type, shape, Enumerable.Repeat((Half)value, count).ToArray()),
            ElementType.Int64 =>
                TensorProtos.Create(string.Empty, type, shape, Enumerable.Repeat((long)value, count).ToArray()),
            _ => TensorProtos.FromFloats(string.Empty, shape, Enumerable.Repeat((float)value, count).ToArray()),
        };
        return Constant(tensor, "const_" + value.ToString("G6", CultureInfo.InvariantCulture).Replace('-', 'm'));
    }

    public string Scalar(double value, ElementType type) => Filled(value, type, []);

    /// <summary>Returns the name of <c>Shape(tensor)</c>, computed once and in the forward part.</summary>
    public string ShapeOf(string tensor)
    {
        if (_shapes.TryGetValue(tensor, out var existing))
        {
            return existing;
        }

        var saved = Hint;
        Hint = tensor;
        var shape = EmitForward("Shape", [tensor], 1, [])[0];
        Hint = saved;
        _shapes[tensor] = shape;
        return shape;
    }

    /// <summary>Gives a forward node an output it did not produce yet, such as Dropout's mask.</summary>
    public string RequestForwardOutput(NodeProto node, int index, string suffix)
    {
        while (node.Output.Count <= index)
        {
            node.Output.Add(string.Empty);
        }

        if (node.Output[index].Length == 0)
        {
            var baseName = node.Output[0].Length > 0 ? node.Output[0] : node.Name;
            node.Output[index] = Builder.UniqueName($"{baseName}_{suffix}");
            Shapes.InferNode(node);
            ReindexForward();
        }

        return node.Output[index];
    }

    /// <summary>Renames a tensor that this emitter produced, in every node it emitted.</summary>
    public void RenameEmitted(string from, string to)
    {
        foreach (var node in Backward.Concat(_forwardSide.Values.SelectMany(l => l)))
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                {
                    node.Input[i] = to;
                }
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == from)
                {
                    node.Output[i] = to;
                }
            }
        }

        Shapes.CopyTensor(from, to);
        _emittedTensors.Add(to);
    }
}
