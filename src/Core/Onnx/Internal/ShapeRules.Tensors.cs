namespace MtlOnnx.Onnx.Internal;

/// <content>Rules for operators that move, select, create and reduce tensor elements.</content>
internal static partial class ShapeRules
{
    private static readonly HashSet<string> s_reduceAxesInputFrom13 = new(StringComparer.Ordinal) { "ReduceSum" };

    private static void Reshape(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var target = context.Values(1);
        if (target is null)
        {
            var rank = context.Shape(1) is [{ Value: { } r }] ? (int)r : -1;
            context.SetOutput(0, type, rank >= 0 ? DimMath.UnknownShape(rank) : null, context.Values(0));
            return;
        }

        var allowZero = context.Int("allowzero", 0) != 0;
        var output = new Dim[target.Length];
        var inferred = -1;
        for (var i = 0; i < target.Length; i++)
        {
            var t = target[i];
            if (t.Value == 0 && !allowZero)
            {
                output[i] = x is not null && i < x.Length ? x[i] : Dim.Unknown;
            }
            else if (t.Value == -1)
            {
                inferred = i;
            }
            else
            {
                output[i] = t.ToDim();
            }
        }

        if (inferred >= 0)
        {
            output[inferred] = x is null ? Dim.Unknown : Remaining(x, output, inferred);
        }

        context.SetOutput(0, type, output, context.Values(0));
    }

    // The size of reshape's -1 dimension: the input's element count divided by the other output dimensions,
    // exact over products of constants and symbols.
    private static Dim Remaining(Dim[] input, Dim[] output, int skip)
    {
        var others = output.Where((_, i) => i != skip).ToArray();
        return DimMath.Divide(DimMath.Product(input), DimMath.Product(others));
    }

    private static void Flatten(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        if (x is null)
        {
            context.SetOutput(0, type, DimMath.UnknownShape(2));
            return;
        }

        var axis = context.Int("axis", 1);
        if (axis < 0)
        {
            axis += x.Length;
        }

        if (axis < 0 || axis > x.Length)
        {
            context.SetOutput(0, type, DimMath.UnknownShape(2));
            return;
        }

        Dim[] output = [DimMath.Product(x[..(int)axis]), DimMath.Product(x[(int)axis..])];
        context.SetOutput(0, type, output, context.Values(0));
    }

    private static void Transpose(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        if (x is null)
        {
            context.SetOutput(0, type, null);
            return;
        }

        var perm = context.Ints("perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Length || perm.Any(p => p < 0 || p >= x.Length))
        {
            context.SetOutput(0, type, null);
            return;
        }

        context.SetOutput(0, type, perm.Select(p => x[p]).ToArray());
    }

    private static long[]? AxesFrom(NodeContext context, int inputIndex, long inputFromOpset)
    {
        if (context.Opset >= inputFromOpset)
        {
            return context.HasInput(inputIndex) ? context.ConstInts(inputIndex) : [];
        }

        return context.Ints("axes") ?? [];
    }

    private static bool AxesKnown(NodeContext context, int inputIndex, long inputFromOpset) =>
        context.Opset < inputFromOpset || !context.HasInput(inputIndex) || context.ConstInts(inputIndex) is not null;

    private static void Squeeze(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var axes = AxesFrom(context, 1, 13);
        if (x is null || axes is null)
        {
            context.SetOutput(0, type, null, context.Values(0));
            return;
        }

        Dim[]? output;
        if (axes.Length == 0)
        {
            output = x.Any(d => !d.IsFixed) ? null : x.Where(d => d.Value != 1).ToArray();
        }
        else
        {
            var drop = axes.Select(a => DimMath.Axis(a, x.Length)).ToHashSet();
            output = drop.Contains(-1) ? null : x.Where((_, i) => !drop.Contains(i)).ToArray();
        }

        context.SetOutput(0, type, output, context.Values(0));
    }

    private static void Unsqueeze(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var axes = AxesFrom(context, 1, 13);
        if (x is null || axes is null || axes.Length == 0)
        {
            context.SetOutput(0, type, null, context.Values(0));
            return;
        }

        var rank = x.Length + axes.Length;
        var inserted = axes.Select(a => DimMath.Axis(a, rank)).ToHashSet();
        if (inserted.Contains(-1) || inserted.Count != axes.Length)
        {
            context.SetOutput(0, type, null, context.Values(0));
            return;
        }

        var output = new Dim[rank];
        var next = 0;
        for (var i = 0; i < rank; i++)
        {
            output[i] = inserted.Contains(i) ? Dim.Fixed(1) : x[next++];
        }

        context.SetOutput(0, type, output, context.Values(0));
    }

    private static void Concat(NodeContext context)
    {
        var type = ElementType.Undefined;
        var shapes = new List<Dim[]?>();
        for (var i = 0; i < context.InputCount; i++)
        {
            if (context.HasInput(i))
            {
                shapes.Add(context.Shape(i));
                type = type == ElementType.Undefined ? context.Type(i) : type;
            }
        }

        var values = ConcatValues(context);
        if (shapes.Count == 0 || shapes.Any(s => s is null) || shapes.Select(s => s!.Length).Distinct().Count() != 1)
        {
            context.SetOutput(0, type, null, values);
            return;
        }

        var rank = shapes[0]!.Length;
        var axis = DimMath.Axis(context.Int("axis", 0), rank);
        if (axis < 0)
        {
            context.SetOutput(0, type, null, values);
            return;
        }

        var output = new Dim[rank];
        for (var d = 0; d < rank; d++)
        {
            if (d == axis)
            {
                output[d] = shapes.Select(s => s![d]).Aggregate(Dim.Fixed(0), DimMath.Add);
            }
            else
            {
                // The dimensions must agree; prefer whichever operand states them most precisely.
                output[d] = shapes.Select(s => s![d]).OrderBy(x => x.IsFixed ? 0 : x.Param is not null ? 1 : 2).First();
            }
        }

        context.SetOutput(0, type, output, values);
    }

    private static SymInt[]? ConcatValues(NodeContext context)
    {
        var all = new List<SymInt>();
        for (var i = 0; i < context.InputCount; i++)
        {
            if (!context.HasInput(i))
            {
                continue;
            }

            if (context.Values(i) is not { } values || context.Shape(i) is not { Length: <= 1 })
            {
                return null;
            }

            all.AddRange(values);
        }

        return [.. all];
    }

    private static void Split(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var count = context.Outputs.Length;
        if (x is null || count == 0)
        {
            return;
        }

        var axis = DimMath.Axis(context.Int("axis", 0), x.Length);
        if (axis < 0)
        {
            return;
        }

        var sizes = context.Opset >= 13 ? (context.HasInput(1) ? context.ConstInts(1) : null) : context.Ints("split");
        var explicitSizes = context.Opset >= 13 ? context.HasInput(1) : context.Attribute("split") is not null;
        for (var i = 0; i < count; i++)
        {
            var output = (Dim[])x.Clone();
            if (explicitSizes)
            {
                output[axis] = sizes is not null && i < sizes.Length ? Dim.Fixed(sizes[i]) : Dim.Unknown;
            }
            else if (x[axis].Value is { } total)
            {
                // Equal parts; from opset 18 the last part may be smaller.
                var part = (total + count - 1) / count;
                output[axis] = Dim.Fixed(i < count - 1 ? part : total - (part * (count - 1)));
            }
            else
            {
                output[axis] = Dim.Unknown;
            }

            context.SetOutput(i, type, output);
        }
    }

    private static void Slice(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        long[]? starts, ends, axes, steps;
        if (context.Opset < 10)
        {
            starts = context.Ints("starts");
            ends = context.Ints("ends");
            axes = context.Ints("axes");
            steps = null;
        }
        else
        {
            starts = context.ConstInts(1);
            ends = context.ConstInts(2);
            axes = context.HasInput(3) ? context.ConstInts(3) : null;
            steps = context.HasInput(4) ? context.ConstInts(4) : null;
            if ((context.HasInput(3) && axes is null) || (context.HasInput(4) && steps is null))
            {
                starts = null;
            }
        }

        if (x is null || starts is null || ends is null || starts.Length != ends.Length)
        {
            context.SetOutput(0, type, x is null ? null : SlicedUnknown(x, axes));
            return;
        }

        var output = (Dim[])x.Clone();
        var values = context.Values(0);
        SymInt[]? slicedValues = null;
        for (var i = 0; i < starts.Length; i++)
        {
            var axis = DimMath.Axis(axes?[i] ?? i, x.Length);
            var step = steps?[i] ?? 1;
            if (axis < 0 || step == 0)
            {
                context.SetOutput(0, type, DimMath.UnknownShape(x.Length));
                return;
            }

            if (x[axis].Value is not { } size)
            {
                // Slicing everything keeps a symbolic dimension; any other bound makes it unknown.
                output[axis] = SliceRange.KeepsWholeAxis(starts[i], ends[i], step) ? x[axis] : Dim.Unknown;
                continue;
            }

            var range = SliceRange.Resolve(size, starts[i], ends[i], step);
            output[axis] = Dim.Fixed(range.Count);
            if (values is not null && x.Length == 1 && values.Length == size)
            {
                slicedValues = Enumerable.Range(0, (int)range.Count)
                    .Select(k => values[range.Start + (k * step)])
                    .ToArray();
            }
        }

        context.SetOutput(0, type, output, slicedValues);
    }

    // With bounds computed at run time, only the axes the slice names change size; other axes keep theirs.
    private static Dim[] SlicedUnknown(Dim[] x, long[]? axes)
    {
        if (axes is null)
        {
            return DimMath.UnknownShape(x.Length);
        }

        var output = (Dim[])x.Clone();
        foreach (var a in axes)
        {
            var axis = DimMath.Axis(a, x.Length);
            if (axis < 0)
            {
                return DimMath.UnknownShape(x.Length);
            }

            output[axis] = Dim.Unknown;
        }

        return output;
    }

    private static void Gather(NodeContext context)
    {
        var type = context.Type(0);
        var data = context.Shape(0);
        var indices = context.Shape(1);
        if (data is null || indices is null)
        {
            context.SetOutput(0, type, null);
            return;
        }

        var axis = DimMath.Axis(context.Int("axis", 0), data.Length);
        if (axis < 0)
        {
            context.SetOutput(0, type, null);
            return;
        }

        Dim[] output = [.. data[..axis], .. indices, .. data[(axis + 1)..]];
        SymInt[]? values = null;
        if (data.Length == 1 && context.Values(0) is { } source && context.ConstInts(1) is { } picks)
        {
            var n = source.Length;
            values = picks.All(p => p >= -n && p < n) ? picks.Select(p => source[p < 0 ? p + n : p]).ToArray() : null;
        }

        context.SetOutput(0, type, output, values);
    }

    private static void GatherND(NodeContext context)
    {
        var type = context.Type(0);
        var data = context.Shape(0);
        var indices = context.Shape(1);
        var batch = (int)context.Int("batch_dims", 0);
        if (data is null || indices is not { Length: >= 1 } || indices[^1].Value is not { } depth
            || batch + depth > data.Length)
        {
            context.SetOutput(0, type, null);
            return;
        }

        context.SetOutput(0, type, [.. indices[..^1], .. data[(batch + (int)depth)..]]);
    }

    private static void Expand(NodeContext context)
    {
        var type = context.Type(0);
        var target = context.Values(1)?.Select(v => v.ToDim()).ToArray();
        if (target is null && context.Shape(1) is [{ Value: { } rank }])
        {
            target = DimMath.UnknownShape((int)rank);
        }

        context.SetOutput(0, type, target is null ? null : DimMath.Broadcast([context.Shape(0), target]));
    }

    private static void Tile(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var repeats = context.ConstInts(1);
        if (x is null || repeats is null || repeats.Length != x.Length)
        {
            context.SetOutput(0, type, x is null ? null : DimMath.UnknownShape(x.Length));
            return;
        }

        context.SetOutput(0, type, x.Select((d, i) => DimMath.Mul(d, Dim.Fixed(repeats[i]))).ToArray());
    }

    private static void Pad(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var pads = context.Opset >= 11 ? context.ConstInts(1) : context.Ints("pads");
        if (x is null || pads is null)
        {
            context.SetOutput(0, type, x is null ? null : DimMath.UnknownShape(x.Length));
            return;
        }

        var axes = context.Opset >= 18 && context.HasInput(3)
            ? context.ConstInts(3)?.Select(a => DimMath.Axis(a, x.Length)).ToArray()
            : Enumerable.Range(0, x.Length).ToArray();
        if (axes is null || pads.Length != 2 * axes.Length || axes.Contains(-1))
        {
            context.SetOutput(0, type, DimMath.UnknownShape(x.Length));
            return;
        }

        var output = (Dim[])x.Clone();
        for (var i = 0; i < axes.Length; i++)
        {
            output[axes[i]] = DimMath.Add(x[axes[i]], pads[i] + pads[i + axes.Length]);
        }

        context.SetOutput(0, type, output);
    }

    private static void Reduce(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var inputFrom = s_reduceAxesInputFrom13.Contains(context.Node.OpType) ? 13 : 18;
        var keep = context.Int("keepdims", 1) != 0;
        if (x is null)
        {
            context.SetOutput(0, type, null);
            return;
        }

        if (!AxesKnown(context, 1, inputFrom))
        {
            context.SetOutput(0, type, keep ? DimMath.UnknownShape(x.Length) : null);
            return;
        }

        var axes = AxesFrom(context, 1, inputFrom)!;
        if (axes.Length == 0 && context.Int("noop_with_empty_axes", 0) != 0)
        {
            context.SameAs(0, 0);
            return;
        }

        var reduced = axes.Length == 0
            ? Enumerable.Range(0, x.Length).ToHashSet()
            : axes.Select(a => DimMath.Axis(a, x.Length)).ToHashSet();
        if (reduced.Contains(-1))
        {
            context.SetOutput(0, type, null);
            return;
        }

        var output = keep
            ? x.Select((d, i) => reduced.Contains(i) ? Dim.Fixed(1) : d).ToArray()
            : x.Where((_, i) => !reduced.Contains(i)).ToArray();
        context.SetOutput(0, type, output);
    }

    private static void ArgReduce(NodeContext context)
    {
        var x = context.Shape(0);
        Dim[]? output = null;
        if (x is not null)
        {
            var axis = DimMath.Axis(context.Int("axis", 0), x.Length);
            var keep = context.Int("keepdims", 1) != 0;
            output = axis < 0 ? null
                : keep ? x.Select((d, i) => i == axis ? Dim.Fixed(1) : d).ToArray()
                : x.Where((_, i) => i != axis).ToArray();
        }

        context.SetOutput(0, ElementType.Int64, output);
    }

    // Values survive casts between integer (and boolean) types, and become floats when cast to a floating type.
    private static void Cast(NodeContext context, ElementType to)
    {
        var input = context.Input(0);
        var integer = to is ElementType.Int64 or ElementType.Int32;
        var floating = to is ElementType.Float or ElementType.Double or ElementType.Float16;
        var fromInteger = input?.Type is ElementType.Int64 or ElementType.Int32 or ElementType.Bool;
        var values = integer && fromInteger ? input?.Values : null;
        var floats = floating ? input?.Floats ?? FixedAsDoubles(input) : null;
        context.SetOutput(0, to, input?.Shape, values, floats);
    }

    private static double[]? FixedAsDoubles(TensorFacts? facts) => facts?.FixedValues?.Select(v => (double)v).ToArray();

    private static void Shape(NodeContext context)
    {
        var x = context.Shape(0);
        if (x is null)
        {
            context.SetOutput(0, ElementType.Int64, [Dim.Unknown]);
            return;
        }

        // Opset 15 added start and end, clamped like Slice's bounds.
        var rank = x.Length;
        var start = context.Int("start", 0);
        var end = context.Int("end", rank);
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var dims = end > start ? x[(int)start..(int)end] : [];
        context.SetOutput(0, ElementType.Int64, [Dim.Fixed(dims.Length)], dims.Select(SymInt.FromDim).ToArray());
    }

    private static void Size(NodeContext context)
    {
        var count = context.Shape(0) is { } x ? DimMath.Product(x) : Dim.Unknown;
        context.SetOutput(0, ElementType.Int64, [], [SymInt.FromDim(count)]);
    }

    private static void Constant(NodeContext context)
    {
        if (context.Attribute("value") is { T: { } tensor })
        {
            context.SetOutput(0, ConstantFacts.FromTensor(tensor));
        }
        else if (context.Attribute("value_float") is { } f)
        {
            context.SetOutput(0, ElementType.Float, [], floats: [f.F]);
        }
        else if (context.Attribute("value_floats") is { } fs)
        {
            var values = fs.Floats.Select(v => (double)v).ToArray();
            context.SetOutput(0, ElementType.Float, [Dim.Fixed(values.Length)], floats: values);
        }
        else if (context.Attribute("value_int") is { } i)
        {
            context.SetOutput(0, ElementType.Int64, [], [SymInt.Of(i.I)]);
        }
        else if (context.Attribute("value_ints") is { } ints)
        {
            context.SetOutput(0, ElementType.Int64, [Dim.Fixed(ints.Ints.Count)], ints.Ints.Select(SymInt.Of).ToArray());
        }
        else if (context.Attribute("value_string") is not null)
        {
            context.SetOutput(0, ElementType.String, []);
        }
        else if (context.Attribute("value_strings") is { } strings)
        {
            context.SetOutput(0, ElementType.String, [Dim.Fixed(strings.Strings.Count)]);
        }
    }

    private static void ConstantOfShape(NodeContext context)
    {
        var type = context.Attribute("value") is { T: { } value } ? (ElementType)value.DataType : ElementType.Float;
        var shape = context.Values(0)?.Select(v => v.ToDim()).ToArray();
        if (shape is null && context.Shape(0) is [{ Value: { } rank }])
        {
            shape = DimMath.UnknownShape((int)rank);
        }

        context.SetOutput(0, type, shape);
    }

    private static void Range(NodeContext context)
    {
        var type = context.Type(0);
        if (context.ConstNumbers(0) is [var start] && context.ConstNumbers(1) is [var limit]
            && context.ConstNumbers(2) is [var delta] && delta != 0)
        {
            var count = (long)Math.Max(0, Math.Ceiling((limit - start) / delta));
            SymInt[]? values = type is ElementType.Int64 or ElementType.Int32 && count <= TensorFacts.MaxTrackedValues
                ? Enumerable.Range(0, (int)count).Select(k => SymInt.Of((long)(start + (k * delta)))).ToArray()
                : null;
            context.SetOutput(0, type, [Dim.Fixed(count)], values);
            return;
        }

        context.SetOutput(0, type, [Dim.Unknown]);
    }

    private static void OneHot(NodeContext context)
    {
        var type = context.Type(2);
        var indices = context.Shape(0);
        if (indices is null)
        {
            context.SetOutput(0, type, null);
            return;
        }

        var rank = indices.Length + 1;
        var axis = DimMath.Axis(context.Int("axis", -1), rank);
        var depth = context.ConstNumbers(1) is [var d] ? Dim.Fixed((long)d) : Dim.Unknown;
        if (axis < 0)
        {
            context.SetOutput(0, type, null);
            return;
        }

        var output = new List<Dim>(indices);
        output.Insert(axis, depth);
        context.SetOutput(0, type, [.. output]);
    }

    private static void NonZero(NodeContext context)
    {
        var rank = context.Shape(0) is { } x ? Dim.Fixed(x.Length) : Dim.Unknown;
        context.SetOutput(0, ElementType.Int64, [rank, Dim.Unknown]);
    }
}
