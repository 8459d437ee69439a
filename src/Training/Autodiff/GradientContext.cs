using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff.Internal;

namespace MtlOnnx.Training.Autodiff;

/// <summary>
/// What a <see cref="IGradientRule"/> sees of one forward node during one backward pass: the node, the gradients
/// of its outputs, which inputs need a gradient, static facts from shape inference, and helpers that emit
/// <c>ai.onnx</c> nodes in the form the model's opset requires.
/// </summary>
/// <remarks>
/// Every gradient a rule sets must have exactly the shape of its input; <see cref="ReduceToShape"/> undoes
/// broadcasting. Emitted nodes go into the backward part of the graph in the order the rule emits them.
/// </remarks>
public sealed class GradientContext
{
    private readonly GraphEmitter _emitter;
    private readonly string?[] _outputGradients;
    private readonly bool[] _needs;
    private readonly string?[] _inputGradients;
    private readonly IReadOnlyList<string> _supported;

    internal GradientContext(
        GraphEmitter emitter,
        NodeProto node,
        string?[] outputGradients,
        bool[] needs,
        IReadOnlyList<string> supported)
    {
        _emitter = emitter;
        Node = node;
        _outputGradients = outputGradients;
        _needs = needs;
        _inputGradients = new string?[node.Input.Count];
        _supported = supported;
    }

    /// <summary>Gets the forward node being differentiated.</summary>
    public NodeProto Node { get; }

    /// <summary>Gets the node's operator.</summary>
    public string OpType => Node.OpType;

    /// <summary>Gets the <c>ai.onnx</c> opset of the model, which every emitted node must respect.</summary>
    public int Opset => _emitter.Opset;

    /// <summary>Gets the number of the node's inputs, omitted optional ones included.</summary>
    public int InputCount => Node.Input.Count;

    /// <summary>Gets the number of the node's outputs.</summary>
    public int OutputCount => Node.Output.Count;

    internal IReadOnlyList<string?> InputGradients => _inputGradients;

    /// <summary>Gets a forward input, or <see cref="GraphValue.None"/> when it is absent or omitted.</summary>
    /// <param name="index">The input's position.</param>
    /// <returns>The input.</returns>
    public GraphValue Input(int index) =>
        index < Node.Input.Count ? new GraphValue(Node.Input[index]) : GraphValue.None;

    /// <summary>Gets whether a forward input is present.</summary>
    /// <param name="index">The input's position.</param>
    /// <returns><see langword="true"/> when the input is given.</returns>
    public bool HasInput(int index) => !Input(index).IsNone;

    /// <summary>Gets a forward output, or <see cref="GraphValue.None"/> when the node does not produce it.</summary>
    /// <param name="index">The output's position.</param>
    /// <returns>The output.</returns>
    public GraphValue Output(int index) =>
        index < Node.Output.Count ? new GraphValue(Node.Output[index]) : GraphValue.None;

    /// <summary>
    /// Gets the gradient of a forward output, or <see cref="GraphValue.None"/> when no gradient flows into it
    /// (its value is then zero).
    /// </summary>
    /// <param name="index">The output's position.</param>
    /// <returns>The gradient, with the output's shape.</returns>
    public GraphValue OutputGradient(int index) =>
        index < _outputGradients.Length && _outputGradients[index] is { } g ? new GraphValue(g) : GraphValue.None;

    /// <summary>Gets whether a gradient flows into a forward output.</summary>
    /// <param name="index">The output's position.</param>
    /// <returns><see langword="true"/> when <see cref="OutputGradient"/> is not <see cref="GraphValue.None"/>.</returns>
    public bool HasOutputGradient(int index) => !OutputGradient(index).IsNone;

    /// <summary>Gets whether the engine needs the gradient of a forward input in this pass.</summary>
    /// <param name="index">The input's position.</param>
    /// <returns><see langword="true"/> when the rule should call <see cref="SetInputGradient"/> for it.</returns>
    public bool NeedsGradient(int index) => index < _needs.Length && _needs[index];

    /// <summary>Sets the gradient of a forward input. Gradients of inputs that are not needed are ignored.</summary>
    /// <param name="index">The input's position.</param>
    /// <param name="gradient">The gradient; it must have the input's shape and element type.</param>
    public void SetInputGradient(int index, GraphValue gradient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Node.Input.Count);
        if (NeedsGradient(index) && !gradient.IsNone)
        {
            _inputGradients[index] = gradient.Name;
        }
    }

    /// <summary>Gets an integer attribute of the node.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="defaultValue">The value when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public long GetInt(string name, long defaultValue) => NodeAttributes.GetInt(Node, name, defaultValue);

    /// <summary>Gets a float attribute of the node.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="defaultValue">The value when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public float GetFloat(string name, float defaultValue) => NodeAttributes.GetFloat(Node, name, defaultValue);

    /// <summary>Gets a string attribute of the node.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="defaultValue">The value when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public string GetString(string name, string defaultValue) => NodeAttributes.GetString(Node, name, defaultValue);

    /// <summary>Gets an integer-list attribute of the node.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <returns>The values, or <see langword="null"/> when the attribute is absent.</returns>
    public long[]? GetInts(string name) => NodeAttributes.GetInts(Node, name);

    /// <summary>Gets whether the node has an attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <returns><see langword="true"/> when the attribute is present.</returns>
    public bool HasAttribute(string name) => NodeAttributes.Find(Node, name) is not null;

    /// <summary>Gets the shape of a tensor as shape inference knows it, symbolic dimensions included.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The dimensions, or <see langword="null"/> when the rank is unknown.</returns>
    public IReadOnlyList<Dim>? ShapeOf(GraphValue value) => _emitter.Shapes.GetShape(value.Name);

    /// <summary>Gets the rank of a tensor.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The rank, or <see langword="null"/> when unknown.</returns>
    public int? RankOf(GraphValue value) => _emitter.Shapes.GetShape(value.Name)?.Count;

    /// <summary>Gets the shape of a tensor when all its dimensions are fixed.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The dimensions, or <see langword="null"/>.</returns>
    public long[]? StaticShapeOf(GraphValue value) => _emitter.Shapes.GetStaticShape(value.Name);

    /// <summary>Gets the element type of a tensor.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The type, or <see cref="ElementType.Undefined"/> when unknown.</returns>
    public ElementType ElementTypeOf(GraphValue value)
    {
        var type = _emitter.Shapes.GetElementType(value.Name);
        return type == ElementType.Undefined ? ElementType.Float : type;
    }

    /// <summary>Gets the elements of an integer tensor whose value is known before running (constants, shapes).</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The elements, or <see langword="null"/> when not known.</returns>
    public long[]? ConstantInt64s(GraphValue value) => _emitter.Shapes.GetInt64Values(value.Name);

    /// <summary>
    /// Gets the elements of a numeric tensor whose value is known before running (an initializer, a <c>Constant</c>
    /// node, or a small tensor computed from them).
    /// </summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The elements, or <see langword="null"/> when they are not known.</returns>
    public double[]? ConstantDoubles(GraphValue value) => _emitter.Shapes.GetDoubleValues(value.Name);

    /// <summary>
    /// Reads reduction, squeeze or unsqueeze axes given as an attribute before opset <paramref name="inputSince"/>
    /// and as input <paramref name="inputIndex"/> from then on.
    /// </summary>
    /// <param name="inputIndex">The position of the axes input.</param>
    /// <param name="inputSince">The first opset in which axes are an input.</param>
    /// <returns>The axes (empty when none are given), or <see langword="null"/> when they are not constant.</returns>
    public long[]? ReadAxes(int inputIndex, int inputSince) => _emitter.Opset >= inputSince
        ? (HasInput(inputIndex) ? ConstantInt64s(Input(inputIndex)) : [])
        : GetInts("axes") ?? [];

    /// <summary>Emits a node with one output into the backward part.</summary>
    /// <param name="opType">The <c>ai.onnx</c> operator.</param>
    /// <param name="inputs">The inputs; <see cref="GraphValue.None"/> for omitted optional ones.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The output.</returns>
    public GraphValue Emit(string opType, GraphValue[] inputs, params AttributeProto[] attributes) =>
        Emit(opType, inputs, 1, attributes)[0];

    /// <summary>Emits a node with several outputs into the backward part.</summary>
    /// <param name="opType">The <c>ai.onnx</c> operator.</param>
    /// <param name="inputs">The inputs.</param>
    /// <param name="outputCount">The number of outputs.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The outputs.</returns>
    public GraphValue[] Emit(string opType, GraphValue[] inputs, int outputCount, params AttributeProto[] attributes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return _emitter.Emit(opType, Names(inputs), outputCount, attributes).Select(n => new GraphValue(n)).ToArray();
    }

    /// <summary>
    /// Emits a node that depends on forward tensors only into the forward part, right after their producers, so
    /// that a large activation can die once a smaller derived tensor (a mask, a shape) is computed.
    /// </summary>
    /// <param name="opType">The <c>ai.onnx</c> operator.</param>
    /// <param name="inputs">The inputs.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>The output.</returns>
    public GraphValue EmitForward(string opType, GraphValue[] inputs, params AttributeProto[] attributes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return new GraphValue(_emitter.EmitForward(opType, Names(inputs), 1, attributes)[0]);
    }

    /// <summary>
    /// Gives the forward node an optional output it does not produce yet (Dropout's mask, LayerNormalization's
    /// mean and inverse standard deviation, MaxPool's indices) and returns it.
    /// </summary>
    /// <param name="index">The output's position.</param>
    /// <param name="suffix">The suffix of the new output's name.</param>
    /// <returns>The output.</returns>
    public GraphValue RequestForwardOutput(int index, string suffix) =>
        new(_emitter.RequestForwardOutput(Node, index, suffix));

    /// <summary>
    /// Returns a value computed once per forward node and shared by every backward pass through it (the weighted
    /// pass and the per-loss ones), such as a mask or a transposed weight.
    /// </summary>
    /// <param name="key">A key unique within the rule.</param>
    /// <param name="create">Creates the value on first use.</param>
    /// <returns>The value.</returns>
    public GraphValue Shared(string key, Func<GraphValue> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var label = Node.Name.Length > 0 ? Node.Name : Node.Output.FirstOrDefault() ?? Node.OpType;
        return new GraphValue(_emitter.Memoize($"{label}|{Node.OpType}|{key}", () => create().Name));
    }

    /// <summary>Adds a floating-point scalar constant of the given type.</summary>
    /// <param name="value">The value.</param>
    /// <param name="type">The element type.</param>
    /// <returns>The constant.</returns>
    public GraphValue Scalar(double value, ElementType type) => new(_emitter.Scalar(value, type));

    /// <summary>Adds a scalar constant with the element type of <paramref name="like"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="like">The tensor whose type to use.</param>
    /// <returns>The constant.</returns>
    public GraphValue ScalarLike(double value, GraphValue like) => Scalar(value, ElementTypeOf(like));

    /// <summary>Adds a constant of the given type and shape filled with one value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="type">The element type.</param>
    /// <param name="dims">The shape.</param>
    /// <returns>The constant.</returns>
    public GraphValue Filled(double value, ElementType type, IReadOnlyList<long> dims) =>
        new(_emitter.Filled(value, type, dims));

    /// <summary>Adds a one-dimensional int64 constant.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The constant.</returns>
    public GraphValue Int64s(params long[] values) => new(_emitter.Int64s(values));

    /// <summary>Adds an int64 scalar constant.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The constant.</returns>
    public GraphValue Int64Scalar(long value) => new(_emitter.Int64s([value], scalar: true));

    /// <summary>Adds a constant tensor.</summary>
    /// <param name="tensor">The tensor; its name is replaced by a fresh one.</param>
    /// <returns>The constant.</returns>
    public GraphValue Constant(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new GraphValue(_emitter.Constant(tensor, "const"));
    }

    /// <summary>Gets <c>Shape(value)</c>, computed once per tensor and in the forward part.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The int64 shape tensor.</returns>
    public GraphValue Shape(GraphValue value) => new(_emitter.ShapeOf(value.Name));

    /// <summary>Gets a tensor's shape as a value: a constant when static, <c>Shape(value)</c> otherwise.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The int64 shape tensor.</returns>
    public GraphValue ShapeValue(GraphValue value) =>
        StaticShapeOf(value) is { } s ? Int64s(s) : Shape(value);

    /// <summary>Adds zeros with the shape and type of a tensor.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>The zeros.</returns>
    public GraphValue ZerosLike(GraphValue value)
    {
        var type = ElementTypeOf(value);
        var zero = type switch
        {
            ElementType.Double => TensorProtos.Create(string.Empty, type, [1], new[] { 0.0 }),
            ElementType.Float16 => TensorProtos.Create(string.Empty, type, [1], new[] { (Half)0 }),
            _ => TensorProtos.FromFloats(string.Empty, [1], [0f]),
        };
        return Emit("ConstantOfShape", [ShapeValue(value)], Attr.Tensor("value", zero));
    }

    /// <summary>Emits <c>Add(a, b)</c>.</summary>
    /// <param name="a">The first operand.</param>
    /// <param name="b">The second operand.</param>
    /// <returns>The sum.</returns>
    public GraphValue Add(GraphValue a, GraphValue b) => Emit("Add", [a, b]);

    /// <summary>Emits <c>Sub(a, b)</c>.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend.</param>
    /// <returns>The difference.</returns>
    public GraphValue Sub(GraphValue a, GraphValue b) => Emit("Sub", [a, b]);

    /// <summary>Emits <c>Mul(a, b)</c>.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <returns>The product.</returns>
    public GraphValue Mul(GraphValue a, GraphValue b) => Emit("Mul", [a, b]);

    /// <summary>Emits <c>Div(a, b)</c>.</summary>
    /// <param name="a">The dividend.</param>
    /// <param name="b">The divisor.</param>
    /// <returns>The quotient.</returns>
    public GraphValue Div(GraphValue a, GraphValue b) => Emit("Div", [a, b]);

    /// <summary>Emits <c>Neg(a)</c>.</summary>
    /// <param name="a">The operand.</param>
    /// <returns>The negation.</returns>
    public GraphValue Neg(GraphValue a) => Emit("Neg", [a]);

    /// <summary>Emits <c>Mul(a, scalar)</c>, or returns <paramref name="a"/> when the factor is one.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="factor">The factor.</param>
    /// <returns>The scaled tensor.</returns>
    public GraphValue Scale(GraphValue a, double factor)
    {
        if (factor == 1)
        {
            return a;
        }

        return factor == -1 ? Neg(a) : Mul(a, ScalarLike(factor, a));
    }

    /// <summary>Emits <c>Cast(x, to)</c>, or returns <paramref name="x"/> when it already has that type.</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="to">The element type.</param>
    /// <returns>The converted tensor.</returns>
    public GraphValue Cast(GraphValue x, ElementType to) =>
        _emitter.Shapes.GetElementType(x.Name) == to ? x : Emit("Cast", [x], Attr.Int("to", (long)to));

    /// <summary>Emits a boolean mask as 0/1 values of the type of <paramref name="like"/>.</summary>
    /// <param name="mask">The boolean tensor.</param>
    /// <param name="like">The tensor whose element type to use.</param>
    /// <returns>The mask as numbers.</returns>
    public GraphValue MaskLike(GraphValue mask, GraphValue like) => Cast(mask, ElementTypeOf(like));

    /// <summary>Emits <c>ReduceSum</c> over constant axes (axes are an input from opset 13).</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axes">The axes; must not be empty.</param>
    /// <param name="keepDims">Whether reduced axes are kept with size one.</param>
    /// <returns>The sum.</returns>
    public GraphValue ReduceSum(GraphValue x, IReadOnlyList<long> axes, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(axes);
        return Emit("ReduceSum", [x, Int64s([.. axes])], Attr.Int("keepdims", keepDims ? 1 : 0));
    }

    /// <summary>Emits <c>ReduceMean</c> over constant axes, as an attribute before opset 18 and an input after.</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axes">The axes.</param>
    /// <param name="keepDims">Whether reduced axes are kept with size one.</param>
    /// <returns>The mean.</returns>
    public GraphValue ReduceMean(GraphValue x, IReadOnlyList<long> axes, bool keepDims) =>
        ReduceWithAxes("ReduceMean", x, axes, keepDims);

    /// <summary>Emits <c>ReduceMax</c> over constant axes, as an attribute before opset 18 and an input after.</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axes">The axes.</param>
    /// <param name="keepDims">Whether reduced axes are kept with size one.</param>
    /// <returns>The maximum.</returns>
    public GraphValue ReduceMax(GraphValue x, IReadOnlyList<long> axes, bool keepDims) =>
        ReduceWithAxes("ReduceMax", x, axes, keepDims);

    /// <summary>Emits <c>Squeeze</c> of constant axes (an input from opset 13).</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axes">The axes to remove; each must have size one.</param>
    /// <returns>The squeezed tensor.</returns>
    public GraphValue Squeeze(GraphValue x, IReadOnlyList<long> axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        return axes.Count == 0 ? x : Emit("Squeeze", [x, Int64s([.. axes])]);
    }

    /// <summary>Emits <c>Unsqueeze</c> at constant axes (an input from opset 13).</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axes">The positions of the new axes in the output.</param>
    /// <returns>The unsqueezed tensor.</returns>
    public GraphValue Unsqueeze(GraphValue x, IReadOnlyList<long> axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        return axes.Count == 0 ? x : Emit("Unsqueeze", [x, Int64s([.. axes])]);
    }

    /// <summary>Emits <c>Split</c> along an axis into pieces of the given sizes (an input from opset 13).</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="axis">The axis.</param>
    /// <param name="sizes">A one-dimensional int64 tensor of sizes.</param>
    /// <param name="count">The number of pieces.</param>
    /// <returns>The pieces.</returns>
    public GraphValue[] Split(GraphValue x, long axis, GraphValue sizes, int count) =>
        Emit("Split", [x, sizes], count, Attr.Int("axis", axis));

    /// <summary>
    /// Emits <c>Reshape(x, shape of like)</c> with a constant target when at most one dimension of
    /// <paramref name="like"/> is not fixed, and with <c>Shape(like)</c> otherwise.
    /// </summary>
    /// <param name="x">The tensor to reshape.</param>
    /// <param name="like">The tensor whose shape to take.</param>
    /// <returns>The reshaped tensor.</returns>
    public GraphValue ReshapeLike(GraphValue x, GraphValue like)
    {
        if (ShapeOf(x) is { } xs && ShapeOf(like) is { } ls && SameDims(xs, ls))
        {
            return x;
        }

        return Emit("Reshape", [x, TargetShape(like)]);
    }

    /// <summary>Gets a reshape target for the shape of a tensor: constant (with one -1) when possible.</summary>
    /// <param name="like">The tensor.</param>
    /// <returns>The int64 target shape.</returns>
    public GraphValue TargetShape(GraphValue like)
    {
        if (ShapeOf(like) is { } shape && shape.Count(d => !d.IsFixed) <= 1)
        {
            return Int64s(shape.Select(d => d.Value ?? -1).ToArray());
        }

        return Shape(like);
    }

    /// <summary>
    /// Sums a gradient over the axes that broadcasting added or stretched, so that it has the shape of
    /// <paramref name="target"/>. Static axes are used when the shapes are known, symbolic batch dimensions
    /// included; otherwise the axes are computed at run time from <c>Shape</c>.
    /// </summary>
    /// <param name="gradient">The gradient, with the broadcast shape.</param>
    /// <param name="target">The input whose shape the gradient must take.</param>
    /// <returns>The reduced gradient.</returns>
    public GraphValue ReduceToShape(GraphValue gradient, GraphValue target)
    {
        var gs = ShapeOf(gradient);
        var ts = ShapeOf(target);
        if (gs is null || ts is null)
        {
            return ReduceToShapeDynamic(gradient, target, null);
        }

        var lead = gs.Count - ts.Count;
        if (lead < 0)
        {
            return Emit("Expand", [gradient, ShapeValue(target)]);
        }

        var axes = new List<long>();
        for (var i = 0; i < lead; i++)
        {
            axes.Add(i);
        }

        var dynamic = false;
        for (var j = 0; j < ts.Count; j++)
        {
            var t = ts[j];
            var g = gs[lead + j];
            if (t.Value == 1)
            {
                if (g.Value != 1)
                {
                    axes.Add(lead + j);
                }
            }
            else if (!t.IsFixed && t.Param is null)
            {
                // An unknown input dimension may be 1 at run time.
                dynamic |= g.Value != 1;
            }
        }

        if (dynamic)
        {
            return ReduceToShapeDynamic(gradient, target, lead);
        }

        var inner = axes.Count - lead;
        if (axes.Count == 0)
        {
            return gradient;
        }

        if (inner == 0)
        {
            return ReduceSum(gradient, axes, keepDims: false);
        }

        var reduced = ReduceSum(gradient, axes, keepDims: true);
        return lead == 0 ? reduced : Squeeze(reduced, Enumerable.Range(0, lead).Select(i => (long)i).ToArray());
    }

    /// <summary>Creates the exception for a node whose gradient cannot be built, naming node, operator and opset.</summary>
    /// <param name="reason">Why, as the end of a sentence.</param>
    /// <returns>The exception, to throw.</returns>
    public GradientNotDefinedException NotDefined(string reason) =>
        new(Node.Name, Node.OpType, Node.Domain, Opset, reason, _supported);

    private GraphValue ReduceToShapeDynamic(GraphValue gradient, GraphValue target, int? lead)
    {
        AutodiffLog.DynamicBroadcast(_emitter.Logger, Node.Name, ShapeOf(target) is null ? target.Name : gradient.Name);
        // Axes to sum are where the target's shape, left-padded with ones to the gradient's rank, is 1.
        var shape = Shape(target);
        if (lead is null)
        {
            // Ranks unknown until run time: pad with Rank(gradient) − Rank(target) ones.
            var missing = Sub(Emit("Shape", [Shape(gradient)]), Emit("Shape", [shape]));
            var one = TensorProtos.FromInt64s(string.Empty, [1], [1]);
            var padding = Emit("ConstantOfShape", [missing], Attr.Tensor("value", one));
            shape = Emit("Concat", [padding, shape], Attr.Int("axis", 0));
        }
        else if (lead > 0)
        {
            shape = Emit("Concat", [Int64s(Enumerable.Repeat(1L, lead.Value).ToArray()), shape], Attr.Int("axis", 0));
        }

        var ones = Emit("Equal", [shape, Int64s(1)]);
        var axes = Emit("Reshape", [Emit("NonZero", [ones]), Int64s(-1)]);
        var reduced = Emit(
            "ReduceSum", [gradient, axes], Attr.Int("keepdims", 1), Attr.Int("noop_with_empty_axes", 1));
        return Emit("Reshape", [reduced, Shape(target)]);
    }

    private GraphValue ReduceWithAxes(string op, GraphValue x, IReadOnlyList<long> axes, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var keep = Attr.Int("keepdims", keepDims ? 1 : 0);
        return Opset >= 18
            ? Emit(op, [x, Int64s([.. axes])], keep)
            : Emit(op, [x], Attr.Ints("axes", [.. axes]), keep);
    }

    private static bool SameDims(IReadOnlyList<Dim> a, IReadOnlyList<Dim> b) =>
        a.Count == b.Count && a.Zip(b).All(p => (p.First.IsFixed || p.First.Param is not null) && p.First == p.Second);

    private static string[] Names(GraphValue[] values) => values.Select(v => v.Name ?? string.Empty).ToArray();
}
