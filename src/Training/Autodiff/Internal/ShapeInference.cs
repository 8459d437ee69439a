using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>
/// Infers element types and shapes, symbolic dimensions included, for the operators that forward graphs and
/// gradient graphs use, and propagates the values of small integer tensors (shapes, axes) so that
/// <c>Shape → Gather → Concat → Reshape</c> chains resolve. Operators it does not know get unknown outputs,
/// unless the graph declares them in <c>value_info</c>.
/// </summary>
internal sealed class ShapeInference
{
    private readonly Dictionary<string, TensorFacts> _facts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorFacts> _declared = new(StringComparer.Ordinal);

    public ShapeInference(int opset)
    {
        Opset = opset;
    }

    public int Opset { get; }

    public TensorFacts? Get(string name) =>
        name.Length > 0 && _facts.TryGetValue(name, out var facts) ? facts : null;

    public ElementType TypeOf(string name) => Get(name)?.Type ?? ElementType.Undefined;

    public Dim[]? ShapeOf(string name) => Get(name)?.Shape;

    public void Set(string name, TensorFacts facts) => _facts[name] = facts;

    /// <summary>Records what the graph declares about a tensor, as a fallback for inference.</summary>
    public void Declare(ValueInfoProto info)
    {
        var facts = new TensorFacts(ValueInfos.GetElementType(info), ValueInfos.GetShape(info));
        _declared[info.Name] = facts;
        if (!_facts.ContainsKey(info.Name))
        {
            _facts[info.Name] = facts;
        }
    }

    /// <summary>Records facts found elsewhere (Core's whole-graph inference) as a fallback for inference.</summary>
    public void Declare(string name, ElementType type, Dim[]? shape)
    {
        if (_declared.TryGetValue(name, out var existing) &&
            existing.Shape is not null &&
            existing.Type != ElementType.Undefined)
        {
            return;
        }

        var facts = new TensorFacts(type, shape);
        _declared[name] = Merge(existing, facts) ?? facts;
        if (!_facts.ContainsKey(name))
        {
            _facts[name] = _declared[name];
        }
    }

    public void AddConstant(string name, TensorProto tensor)
    {
        var shape = tensor.Dims.Select(Dim.Fixed).ToArray();
        SymInt[]? values = null;
        if (shape.Length <= 1 && ConstantValues.ElementCount(tensor) <= 64 && ConstantValues.ToInt64s(tensor) is { } ints)
        {
            values = ints.Select(SymInt.Of).ToArray();
        }

        _facts[name] = new TensorFacts((ElementType)tensor.DataType, shape, values, tensor);
    }

    /// <summary>Infers the outputs of one node from the facts about its inputs.</summary>
    public void Infer(NodeProto node)
    {
        TensorFacts?[] outputs;
        try
        {
            outputs = InferCore(node);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException
            or OverflowException or ModelFormatException)
        {
            // A node that does not fit the schema gets unknown outputs; the runtime reports the real problem.
            outputs = [];
        }

        for (var i = 0; i < node.Output.Count; i++)
        {
            var name = node.Output[i];
            if (name.Length == 0)
            {
                continue;
            }

            var inferred = i < outputs.Length ? outputs[i] : null;
            _declared.TryGetValue(name, out var declared);
            _facts[name] = Merge(inferred, declared) ?? new TensorFacts(ElementType.Undefined, null);
        }
    }

    private static TensorFacts? Merge(TensorFacts? inferred, TensorFacts? declared)
    {
        if (inferred is null || declared is null)
        {
            return inferred ?? declared;
        }

        var type = inferred.Type != ElementType.Undefined ? inferred.Type : declared.Type;
        var shape = inferred.Shape;
        if (shape is null)
        {
            shape = declared.Shape;
        }
        else if (declared.Shape is { } d && d.Length == shape.Length)
        {
            shape = shape.Select((dim, i) => dim.IsFixed || !d[i].IsFixed && dim.Param is not null ? dim : d[i])
                .ToArray();
        }

        return new TensorFacts(type, shape, inferred.Values, inferred.Constant);
    }

    private TensorFacts? In(NodeProto node, int index) =>
        index < node.Input.Count ? Get(node.Input[index]) : null;

    private ElementType InType(NodeProto node, int index) => In(node, index)?.Type ?? ElementType.Undefined;

    private Dim[]? InShape(NodeProto node, int index) => In(node, index)?.Shape;

    private long[]? InInts(NodeProto node, int index) => In(node, index)?.FixedValues;

    private static TensorFacts Facts(ElementType type, Dim[]? shape, SymInt[]? values = null) =>
        new(type, shape, values);

    private TensorFacts?[] InferCore(NodeProto node)
    {
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
        {
            return [];
        }

        var x = In(node, 0);
        var type = x?.Type ?? ElementType.Undefined;
        var shape = x?.Shape;
        switch (node.OpType)
        {
            case "Identity":
                return [x is null ? null : Facts(x.Type, x.Shape, x.Values)];

            case "Abs" or "Neg" or "Sqrt" or "Reciprocal" or "Exp" or "Log" or "Erf" or "Tanh" or "Sigmoid"
                or "Relu" or "LeakyRelu" or "Elu" or "Selu" or "Celu" or "Softplus" or "Softsign" or "Gelu"
                or "Floor" or "Ceil" or "Round" or "Sign" or "Sin" or "Cos" or "Tan" or "HardSigmoid"
                or "HardSwish" or "Mish" or "Softmax" or "LogSoftmax" or "Hardmax" or "Clip" or "LRN"
                or "CumSum" or "InstanceNormalization" or "LpNormalization" or "Trilu" or "ThresholdedRelu"
                or "EyeLike" or "RandomNormalLike" or "RandomUniformLike" or "Bernoulli" or "Atan" or "Asin"
                or "Acos" or "Sinh" or "Cosh":
                return [Facts(type, shape, node.OpType == "Neg" ? Negate(x?.Values) : null)];

            case "Not" or "IsNaN" or "IsInf":
                return [Facts(ElementType.Bool, shape)];

            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Mod" or "PRelu" or "Max" or "Min" or "Sum"
                or "Mean" or "BitShift":
                return [Facts(type, BroadcastInputs(node, 0), Arithmetic(node))];

            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Xor":
                return [Facts(ElementType.Bool, BroadcastInputs(node, 0))];

            case "Where":
                return [Facts(InType(node, 1), BroadcastInputs(node, 0))];

            case "Cast":
                return [Facts((ElementType)NodeAttributes.GetInt(node, "to", 0), shape, x?.Values)];

            case "CastLike":
                return [Facts(InType(node, 1), shape, x?.Values)];

            case "Dropout":
                return [Facts(type, shape), Facts(ElementType.Bool, shape)];

            case "Shape":
                return [InferShapeOp(node, shape)];

            case "Size":
                return [Facts(ElementType.Int64, [], [shape is null ? SymInt.Unknown : Size(shape)])];

            case "Constant":
                return [InferConstant(node)];

            case "ConstantOfShape":
                return [Facts(
                    NodeAttributes.GetTensor(node, "value") is { } v ? (ElementType)v.DataType : ElementType.Float,
                    x?.Values?.Select(s => s.ToDim()).ToArray())];

            case "MatMul":
                return [Facts(type, MatMulShape(shape, InShape(node, 1)))];

            case "Gemm":
                return [Facts(type, GemmShape(node, shape, InShape(node, 1)))];

            case "Conv" or "ConvTranspose" or "MaxPool" or "AveragePool" or "LpPool":
                return InferWindow(node, type, shape);

            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool":
                return [Facts(type, shape is null ? null : [.. shape.Take(2), .. shape.Skip(2).Select(_ => Dim.Fixed(1))])];

            case "BatchNormalization":
                var channels = shape is { Length: >= 2 } ? shape[1] : Dim.Unknown;
                return [Facts(type, shape), Facts(type, [channels]), Facts(type, [channels]),
                    Facts(type, [channels]), Facts(type, [channels])];

            case "LayerNormalization":
                return InferLayerNorm(node, type, shape);

            case "Reshape":
                return [InferReshape(node, x)];

            case "Flatten":
                return [Facts(type, FlattenShape(node, shape), x?.Values)];

            case "Transpose":
                return [Facts(type, TransposeShape(node, shape))];

            case "Squeeze":
                return [InferSqueeze(node, x)];

            case "Unsqueeze":
                return [InferUnsqueeze(node, x)];

            case "Concat":
                return [InferConcat(node, type)];

            case "Split":
                return InferSplit(node, type, shape);

            case "Slice":
                return [InferSlice(node, x)];

            case "Gather":
                return [InferGather(node, x)];

            case "GatherElements":
                return [Facts(type, InShape(node, 1))];

            case "GatherND":
                return [Facts(type, GatherNdShape(node, shape, InShape(node, 1)))];

            case "ScatterND" or "ScatterElements":
                return [Facts(type, shape)];

            case "Expand":
                var target = In(node, 1)?.Values?.Select(v => v.ToDim()).ToArray();
                return [Facts(type, target is null ? null : ShapeMath.Broadcast([shape, target]))];

            case "Tile":
                return [Facts(type, TileShape(shape, InInts(node, 1)))];

            case "Pad":
                return [Facts(type, PadShape(node, shape))];

            case "ReduceSum" or "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1"
                or "ReduceL2" or "ReduceLogSum" or "ReduceLogSumExp" or "ReduceSumSquare":
                return [Facts(type, ReduceShape(node, shape))];

            case "ArgMax" or "ArgMin":
                return [Facts(ElementType.Int64, ArgShape(node, shape))];

            case "Range":
                return [Facts(type, [RangeLength(node)])];

            case "OneHot":
                return [Facts(InType(node, 2), OneHotShape(node, shape))];

            case "NonZero":
                return [Facts(ElementType.Int64, shape is null ? null : [Dim.Fixed(shape.Length), Dim.Unknown])];

            case "TopK":
                var k = InInts(node, 1);
                var topShape = shape?.ToArray();
                if (topShape is not null)
                {
                    var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", -1), topShape.Length);
                    topShape[axis] = k is { Length: 1 } ? Dim.Fixed(k[0]) : Dim.Unknown;
                }

                return [Facts(type, topShape), Facts(ElementType.Int64, topShape)];

            case "SoftmaxCrossEntropyLoss" or "NegativeLogLikelihoodLoss":
                var reduction = NodeAttributes.GetString(node, "reduction", "mean");
                return [Facts(type, reduction == "none" ? InShape(node, 1) : []), Facts(type, shape)];

            case "Resize" or "Upsample":
                return [Facts(type, ResizeShape(node, shape))];

            default:
                return [];
        }
    }

    private static SymInt[]? Negate(SymInt[]? values) =>
        values?.Select(v => v.Value is { } n ? SymInt.Of(-n) : SymInt.Unknown).ToArray();

    private static SymInt Size(Dim[] shape)
    {
        var product = ShapeMath.Product(shape);
        return product.IsFixed ? SymInt.Of(product.Value!.Value) : SymInt.Unknown;
    }

    private Dim[]? BroadcastInputs(NodeProto node, int first) =>
        ShapeMath.Broadcast(node.Input.Skip(first).Select(n => n.Length == 0 ? null : ShapeOf(n)).ToArray());

    /// <summary>Evaluates integer arithmetic on small vectors, as exported shape computations use.</summary>
    private SymInt[]? Arithmetic(NodeProto node)
    {
        if (node.Input.Count != 2 || node.OpType is not ("Add" or "Sub" or "Mul" or "Div"))
        {
            return null;
        }

        var a = In(node, 0)?.Values;
        var b = In(node, 1)?.Values;
        if (a is null || b is null || (a.Length != b.Length && a.Length != 1 && b.Length != 1))
        {
            return null;
        }

        var length = Math.Max(a.Length, b.Length);
        var result = new SymInt[length];
        for (var i = 0; i < length; i++)
        {
            var p = a[a.Length == 1 ? 0 : i];
            var q = b[b.Length == 1 ? 0 : i];
            result[i] = (p.Value, q.Value) switch
            {
                ({ } u, { } v) => SymInt.Of(node.OpType switch
                {
                    "Add" => u + v,
                    "Sub" => u - v,
                    "Mul" => u * v,
                    _ => v == 0 ? 0 : ShapeMath.FloorDiv(u, v),
                }),
                (_, 1) when node.OpType is "Mul" or "Div" => p,
                (1, _) when node.OpType == "Mul" => q,
                (_, 0) when node.OpType is "Add" or "Sub" => p,
                _ => SymInt.Unknown,
            };
        }

        return result;
    }

    private static TensorFacts InferShapeOp(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return Facts(ElementType.Int64, [Dim.Unknown]);
        }

        var rank = shape.Length;
        var start = (int)Math.Clamp(ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "start", 0), rank), 0, rank);
        var end = NodeAttributes.Find(node, "end") is { } e
            ? (int)Math.Clamp(ShapeMath.NormalizeAxis(e.I, rank), 0, rank)
            : rank;
        var dims = shape.Skip(start).Take(Math.Max(0, end - start)).ToArray();
        return Facts(ElementType.Int64, [Dim.Fixed(dims.Length)], dims.Select(SymInt.FromDim).ToArray());
    }

    private static TensorFacts? InferConstant(NodeProto node)
    {
        if (NodeAttributes.GetTensor(node, "value") is { } tensor)
        {
            SymInt[]? values = null;
            if (tensor.Dims.Count <= 1 && ConstantValues.ElementCount(tensor) <= 64 &&
                ConstantValues.ToInt64s(tensor) is { } ints)
            {
                values = ints.Select(SymInt.Of).ToArray();
            }

            return new TensorFacts((ElementType)tensor.DataType, tensor.Dims.Select(Dim.Fixed).ToArray(), values, tensor);
        }

        if (NodeAttributes.Find(node, "value_int") is { } i)
        {
            return new TensorFacts(ElementType.Int64, [], [SymInt.Of(i.I)]);
        }

        if (NodeAttributes.Find(node, "value_ints") is { } ints2)
        {
            return new TensorFacts(
                ElementType.Int64, [Dim.Fixed(ints2.Ints.Count)], ints2.Ints.Select(SymInt.Of).ToArray());
        }

        if (NodeAttributes.Find(node, "value_float") is not null)
        {
            return new TensorFacts(ElementType.Float, []);
        }

        return NodeAttributes.Find(node, "value_floats") is { } floats
            ? new TensorFacts(ElementType.Float, [Dim.Fixed(floats.Floats.Count)])
            : null;
    }

    private static Dim[]? MatMulShape(Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null || a.Length == 0 || b.Length == 0)
        {
            return null;
        }

        var left = a.Length == 1 ? [Dim.Fixed(1), a[0]] : a;
        var right = b.Length == 1 ? [b[0], Dim.Fixed(1)] : b;
        var batch = ShapeMath.Broadcast([left[..^2], right[..^2]])!;
        var result = new List<Dim>(batch);
        if (a.Length > 1)
        {
            result.Add(left[^2]);
        }

        if (b.Length > 1)
        {
            result.Add(right[^1]);
        }

        return [.. result];
    }

    private static Dim[]? GemmShape(NodeProto node, Dim[]? a, Dim[]? b)
    {
        if (a is not { Length: 2 } || b is not { Length: 2 })
        {
            return null;
        }

        var m = NodeAttributes.GetInt(node, "transA", 0) != 0 ? a[1] : a[0];
        var n = NodeAttributes.GetInt(node, "transB", 0) != 0 ? b[0] : b[1];
        return [m, n];
    }

    private TensorFacts?[] InferWindow(NodeProto node, ElementType type, Dim[]? shape)
    {
        if (shape is null || shape.Length < 3)
        {
            return [];
        }

        var spatialCount = shape.Length - 2;
        var isConv = node.OpType is "Conv" or "ConvTranspose";
        var weight = isConv ? InShape(node, 1) : null;
        var kernel = NodeAttributes.GetInts(node, "kernel_shape")
            ?? weight?.Skip(2).Select(d => d.Value ?? -1).ToArray();
        if (kernel is null || kernel.Length != spatialCount || kernel.Any(k => k < 0))
        {
            return [];
        }

        var strides = NodeAttributes.GetInts(node, "strides") ?? Enumerable.Repeat(1L, spatialCount).ToArray();
        var dilations = NodeAttributes.GetInts(node, "dilations") ?? Enumerable.Repeat(1L, spatialCount).ToArray();
        var spatial = shape[2..];
        Dim channels;
        if (node.OpType == "Conv")
        {
            channels = weight is { Length: > 0 } ? weight[0] : Dim.Unknown;
        }
        else if (node.OpType == "ConvTranspose")
        {
            var group = NodeAttributes.GetInt(node, "group", 1);
            channels = weight is { Length: > 1 } ? ShapeMath.Multiply(weight[1], Dim.Fixed(group)) : Dim.Unknown;
        }
        else
        {
            channels = shape[1];
        }

        var output = new Dim[shape.Length];
        output[0] = shape[0];
        output[1] = channels;
        if (node.OpType == "ConvTranspose")
        {
            var outputShape = NodeAttributes.GetInts(node, "output_shape");
            var outputPadding = NodeAttributes.GetInts(node, "output_padding") ?? new long[spatialCount];
            var autoPad = NodeAttributes.GetString(node, "auto_pad", "NOTSET");
            var pads = NodeAttributes.GetInts(node, "pads") ?? new long[2 * spatialCount];
            for (var i = 0; i < spatialCount; i++)
            {
                if (outputShape is not null)
                {
                    output[i + 2] = Dim.Fixed(outputShape[outputShape.Length - spatialCount + i]);
                }
                else if (spatial[i].Value is { } input)
                {
                    var full = (strides[i] * (input - 1)) + outputPadding[i] + ((kernel[i] - 1) * dilations[i]) + 1;
                    output[i + 2] = autoPad is "SAME_UPPER" or "SAME_LOWER"
                        ? Dim.Fixed(input * strides[i])
                        : Dim.Fixed(full - pads[i] - pads[i + spatialCount]);
                }
                else
                {
                    output[i + 2] = Dim.Unknown;
                }
            }

            return [Facts(type, output)];
        }

        var resolved = ShapeMath.ResolvePads(node, spatial, kernel, strides, dilations);
        var ceil = NodeAttributes.GetInt(node, "ceil_mode", 0) != 0;
        for (var i = 0; i < spatialCount; i++)
        {
            output[i + 2] = spatial[i].Value is { } input && resolved is not null
                ? Dim.Fixed(ShapeMath.WindowOutput(
                    input, kernel[i], strides[i], dilations[i], resolved[i], resolved[i + spatialCount], ceil))
                : Dim.Unknown;
        }

        return node.OpType == "MaxPool" ? [Facts(type, output), Facts(ElementType.Int64, output)] : [Facts(type, output)];
    }

    private static TensorFacts?[] InferLayerNorm(NodeProto node, ElementType type, Dim[]? shape)
    {
        var stash = (ElementType)NodeAttributes.GetInt(node, "stash_type", 1);
        if (shape is null)
        {
            return [Facts(type, null), Facts(stash, null), Facts(stash, null)];
        }

        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", -1), shape.Length);
        Dim[] reduced = [.. shape.Take(axis), .. shape.Skip(axis).Select(_ => Dim.Fixed(1))];
        return [Facts(type, shape), Facts(stash, reduced), Facts(stash, reduced)];
    }

    private TensorFacts InferReshape(NodeProto node, TensorFacts? x)
    {
        var target = In(node, 1)?.Values;
        var type = x?.Type ?? ElementType.Undefined;
        if (target is null)
        {
            var rank = In(node, 1)?.Shape is [{ Value: { } r }] ? (int)r : -1;
            return Facts(type, rank < 0 ? null : Enumerable.Repeat(Dim.Unknown, rank).ToArray());
        }

        var shape = ShapeMath.Reshape(x?.Shape, target, NodeAttributes.GetInt(node, "allowzero", 0) != 0);
        var values = x?.Values is { } v && shape.Length <= 1 ? v : null;
        return Facts(type, shape, values);
    }

    private static Dim[]? FlattenShape(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", 1), shape.Length);
        return [ShapeMath.Product(shape.Take(axis)), ShapeMath.Product(shape.Skip(axis))];
    }

    private static Dim[]? TransposeShape(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        var perm = NodeAttributes.GetInts(node, "perm")
            ?? Enumerable.Range(0, shape.Length).Reverse().Select(i => (long)i).ToArray();
        return perm.Select(p => shape[p]).ToArray();
    }

    /// <summary>Reads axes given as an attribute (older opsets) or as an input (newer ones).</summary>
    internal long[]? AxesOf(NodeProto node, int inputIndex, int inputSince)
    {
        if (Opset >= inputSince)
        {
            return inputIndex < node.Input.Count && node.Input[inputIndex].Length > 0 ? InInts(node, inputIndex) : [];
        }

        return NodeAttributes.GetInts(node, "axes") ?? [];
    }

    /// <summary>Gets whether the axes operand is absent (as opposed to present but unknown).</summary>
    internal bool AxesAbsent(NodeProto node, int inputIndex, int inputSince) => Opset >= inputSince
        ? inputIndex >= node.Input.Count || node.Input[inputIndex].Length == 0
        : NodeAttributes.Find(node, "axes") is null;

    private TensorFacts InferSqueeze(NodeProto node, TensorFacts? x)
    {
        var shape = x?.Shape;
        var type = x?.Type ?? ElementType.Undefined;
        if (shape is null)
        {
            return Facts(type, null);
        }

        var axes = AxesOf(node, 1, 13);
        if (axes is null)
        {
            return Facts(type, null);
        }

        HashSet<int> remove;
        if (axes.Length == 0)
        {
            if (shape.Any(d => !d.IsFixed))
            {
                return Facts(type, null);
            }

            remove = Enumerable.Range(0, shape.Length).Where(i => shape[i].Value == 1).ToHashSet();
        }
        else
        {
            remove = axes.Select(a => ShapeMath.NormalizeAxis(a, shape.Length)).ToHashSet();
        }

        var result = shape.Where((_, i) => !remove.Contains(i)).ToArray();
        return Facts(type, result, result.Length == 0 && x?.Values is { Length: 1 } v ? v : null);
    }

    private TensorFacts InferUnsqueeze(NodeProto node, TensorFacts? x)
    {
        var shape = x?.Shape;
        var type = x?.Type ?? ElementType.Undefined;
        var axes = AxesOf(node, 1, 13);
        if (shape is null || axes is null)
        {
            return Facts(type, null);
        }

        var rank = shape.Length + axes.Length;
        var inserted = axes.Select(a => ShapeMath.NormalizeAxis(a, rank)).ToHashSet();
        var result = new Dim[rank];
        var next = 0;
        for (var i = 0; i < rank; i++)
        {
            result[i] = inserted.Contains(i) ? Dim.Fixed(1) : shape[next++];
        }

        return Facts(type, result, x?.Values is { Length: 1 } v && rank == 1 ? v : null);
    }

    private TensorFacts InferConcat(NodeProto node, ElementType type)
    {
        var inputs = node.Input.Where(n => n.Length > 0).Select(Get).ToArray();
        if (inputs.Any(i => i?.Shape is null))
        {
            return Facts(type, null);
        }

        var first = inputs[0]!.Shape!;
        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", 0), first.Length);
        var result = first.ToArray();
        var total = Dim.Fixed(0);
        foreach (var input in inputs)
        {
            var d = input!.Shape![axis];
            total = total.IsFixed && d.IsFixed ? Dim.Fixed(total.Value!.Value + d.Value!.Value) : Dim.Unknown;
        }

        result[axis] = total;
        SymInt[]? values = null;
        if (first.Length == 1 && inputs.All(i => i!.Values is not null))
        {
            values = inputs.SelectMany(i => i!.Values!).ToArray();
        }

        return Facts(type == ElementType.Undefined ? inputs[0]!.Type : type, result, values);
    }

    private TensorFacts?[] InferSplit(NodeProto node, ElementType type, Dim[]? shape)
    {
        var count = node.Output.Count;
        if (shape is null)
        {
            return Enumerable.Repeat<TensorFacts?>(Facts(type, null), count).ToArray();
        }

        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", 0), shape.Length);
        long[]? sizes = Opset >= 13
            ? (node.Input.Count > 1 && node.Input[1].Length > 0 ? InInts(node, 1) : null)
            : NodeAttributes.GetInts(node, "split");
        var results = new TensorFacts?[count];
        for (var i = 0; i < count; i++)
        {
            var s = shape.ToArray();
            if (sizes is not null)
            {
                s[axis] = Dim.Fixed(sizes[i]);
            }
            else if (shape[axis].Value is { } total)
            {
                var chunk = ShapeMath.CeilDiv(total, count);
                s[axis] = Dim.Fixed(Math.Min(chunk, Math.Max(0, total - (chunk * i))));
            }
            else
            {
                s[axis] = Dim.Unknown;
            }

            results[i] = Facts(type, s);
        }

        return results;
    }

    private TensorFacts InferSlice(NodeProto node, TensorFacts? x)
    {
        var shape = x?.Shape;
        var type = x?.Type ?? ElementType.Undefined;
        if (shape is null)
        {
            return Facts(type, null);
        }

        var starts = InInts(node, 1);
        var ends = InInts(node, 2);
        var axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? InInts(node, 3) : null;
        var steps = node.Input.Count > 4 && node.Input[4].Length > 0 ? InInts(node, 4) : null;
        var axesGiven = node.Input.Count > 3 && node.Input[3].Length > 0;
        var stepsGiven = node.Input.Count > 4 && node.Input[4].Length > 0;
        if (starts is null || ends is null || (axesGiven && axes is null) || (stepsGiven && steps is null))
        {
            // The sliced axes are unknown; with known axes only they change.
            return Facts(type, axes is null ? shape.Select(_ => Dim.Unknown).ToArray() : SliceUnknown(shape, axes));
        }

        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        var result = shape.ToArray();
        var range = SliceRanges.Resolve(shape, starts, ends, axes, steps);
        for (var i = 0; i < axes.Length; i++)
        {
            var axis = ShapeMath.NormalizeAxis(axes[i], shape.Length);
            var full = SliceRanges.IsFull(starts[i], ends[i], steps[i]);
            result[axis] = range[i] is { } r ? Dim.Fixed(r.Count) : full ? shape[axis] : Dim.Unknown;
        }

        SymInt[]? values = null;
        if (shape.Length == 1 && x?.Values is { } v && range[0] is { } r0)
        {
            values = Enumerable.Range(0, (int)r0.Count).Select(i => v[(int)(r0.Start + (i * r0.Step))]).ToArray();
        }

        return Facts(type, result, values);
    }

    private static Dim[] SliceUnknown(Dim[] shape, long[] axes)
    {
        var result = shape.ToArray();
        foreach (var axis in axes)
        {
            result[ShapeMath.NormalizeAxis(axis, shape.Length)] = Dim.Unknown;
        }

        return result;
    }

    private TensorFacts InferGather(NodeProto node, TensorFacts? x)
    {
        var shape = x?.Shape;
        var type = x?.Type ?? ElementType.Undefined;
        var indices = In(node, 1);
        if (shape is null || indices?.Shape is null)
        {
            return Facts(type, null);
        }

        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", 0), shape.Length);
        Dim[] result = [.. shape.Take(axis), .. indices.Shape, .. shape.Skip(axis + 1)];
        SymInt[]? values = null;
        if (shape.Length == 1 && x?.Values is { } v && indices.FixedValues is { } idx && result.Length <= 1)
        {
            values = idx.Select(i => v[(int)(i < 0 ? i + v.Length : i)]).ToArray();
        }

        return Facts(type, result, values);
    }

    private static Dim[]? GatherNdShape(NodeProto node, Dim[]? data, Dim[]? indices)
    {
        if (data is null || indices is null || indices[^1].Value is not { } last)
        {
            return null;
        }

        var batch = (int)NodeAttributes.GetInt(node, "batch_dims", 0);
        return [.. indices[..^1], .. data.Skip(batch + (int)last)];
    }

    private static Dim[]? TileShape(Dim[]? shape, long[]? repeats)
    {
        if (shape is null || repeats is null)
        {
            return shape?.Select(_ => Dim.Unknown).ToArray();
        }

        return shape.Select((d, i) => ShapeMath.Multiply(d, Dim.Fixed(repeats[i]))).ToArray();
    }

    private Dim[]? PadShape(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        var pads = Opset >= 11 ? InInts(node, 1) : NodeAttributes.GetInts(node, "pads");
        if (pads is null)
        {
            return shape.Select(_ => Dim.Unknown).ToArray();
        }

        var axes = node.Input.Count > 3 && node.Input[3].Length > 0
            ? InInts(node, 3)?.Select(a => ShapeMath.NormalizeAxis(a, shape.Length)).ToArray()
            : Enumerable.Range(0, shape.Length).ToArray();
        if (axes is null)
        {
            return shape.Select(_ => Dim.Unknown).ToArray();
        }

        var result = shape.ToArray();
        for (var i = 0; i < axes.Length; i++)
        {
            result[axes[i]] = ShapeMath.Add(shape[axes[i]], pads[i] + pads[i + axes.Length]);
        }

        return result;
    }

    private Dim[]? ReduceShape(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        var since = node.OpType == "ReduceSum" ? 13 : 18;
        var keep = NodeAttributes.GetInt(node, "keepdims", 1) != 0;
        var axes = AxesOf(node, 1, since);
        if (axes is null)
        {
            return keep ? shape.Select(_ => Dim.Unknown).ToArray() : null;
        }

        var noop = NodeAttributes.GetInt(node, "noop_with_empty_axes", 0) != 0;
        if (axes.Length == 0)
        {
            if (noop)
            {
                return shape;
            }

            axes = Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray();
        }

        var set = axes.Select(a => ShapeMath.NormalizeAxis(a, shape.Length)).ToHashSet();
        return keep
            ? shape.Select((d, i) => set.Contains(i) ? Dim.Fixed(1) : d).ToArray()
            : shape.Where((_, i) => !set.Contains(i)).ToArray();
    }

    private static Dim[]? ArgShape(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", 0), shape.Length);
        return NodeAttributes.GetInt(node, "keepdims", 1) != 0
            ? shape.Select((d, i) => i == axis ? Dim.Fixed(1) : d).ToArray()
            : shape.Where((_, i) => i != axis).ToArray();
    }

    private Dim RangeLength(NodeProto node)
    {
        var values = new double[3];
        for (var i = 0; i < 3; i++)
        {
            if (In(node, i)?.Constant is not { } c || ConstantValues.ToDoubles(c) is not [var v])
            {
                if (In(node, i)?.FixedValues is [var f])
                {
                    values[i] = f;
                    continue;
                }

                return Dim.Unknown;
            }

            values[i] = v;
        }

        return Dim.Fixed((long)Math.Max(0, Math.Ceiling((values[1] - values[0]) / values[2])));
    }

    private Dim[]? OneHotShape(NodeProto node, Dim[]? indices)
    {
        if (indices is null)
        {
            return null;
        }

        var depth = In(node, 1)?.Constant is { } c && ConstantValues.ToDoubles(c) is [var d]
            ? Dim.Fixed((long)d)
            : Dim.Unknown;
        var rank = indices.Length + 1;
        var axis = ShapeMath.NormalizeAxis(NodeAttributes.GetInt(node, "axis", -1), rank);
        var result = indices.ToList();
        result.Insert(axis, depth);
        return [.. result];
    }

    private Dim[]? ResizeShape(NodeProto node, Dim[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        var sizes = node.Input.Count > 3 && node.Input[3].Length > 0 ? InInts(node, 3) : null;
        if (sizes is not null)
        {
            return sizes.Select(Dim.Fixed).ToArray();
        }

        var scalesIndex = node.OpType == "Upsample" ? 1 : 2;
        if (In(node, scalesIndex)?.Constant is { } c && ConstantValues.ToDoubles(c) is { } scales &&
            scales.Length == shape.Length)
        {
            return shape.Select((d, i) => scales[i] == 1 ? d
                : d.Value is { } v ? Dim.Fixed((long)Math.Floor(v * scales[i])) : Dim.Unknown).ToArray();
        }

        return shape.Select(_ => Dim.Unknown).ToArray();
    }
}
