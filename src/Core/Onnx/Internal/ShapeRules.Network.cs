namespace MtlOnnx.Onnx.Internal;

/// <content>Rules for the layers of neural networks: products, convolutions, pooling, normalization, losses.</content>
internal static partial class ShapeRules
{
    private static void MatMul(NodeContext context)
    {
        var type = context.Type(0);
        if (context.Shape(0) is not { Length: > 0 } a || context.Shape(1) is not { Length: > 0 } b)
        {
            context.SetOutput(0, type, null);
            return;
        }

        // Rank-1 operands are promoted to matrices and the promoted dimension is dropped again afterwards.
        var left = a.Length == 1 ? [Dim.Fixed(1), a[0]] : a;
        var right = b.Length == 1 ? [b[0], Dim.Fixed(1)] : b;
        var batch = DimMath.Broadcast([left[..^2], right[..^2]])!;
        var result = new List<Dim>(batch);
        if (a.Length > 1)
        {
            result.Add(left[^2]);
        }

        if (b.Length > 1)
        {
            result.Add(right[^1]);
        }

        context.SetOutput(0, type, [.. result]);
    }

    private static void Gemm(NodeContext context)
    {
        var type = context.Type(0);
        if (context.Shape(0) is not { Length: 2 } a || context.Shape(1) is not { Length: 2 } b)
        {
            context.SetOutput(0, type, DimMath.UnknownShape(2));
            return;
        }

        var m = context.Int("transA", 0) != 0 ? a[1] : a[0];
        var n = context.Int("transB", 0) != 0 ? b[0] : b[1];
        context.SetOutput(0, type, [m, n]);
    }

    private static void Conv(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var w = context.Shape(1);
        if (x is not { Length: >= 3 })
        {
            context.SetOutput(0, type, null);
            return;
        }

        var spatial = x.Length - 2;
        var kernel = context.Ints("kernel_shape") ?? KernelFromWeight(w, spatial);
        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = w is { Length: > 0 } ? w[0] : Dim.Unknown;
        for (var i = 0; i < spatial; i++)
        {
            output[i + 2] = kernel is null ? Dim.Unknown : Window(context, x[i + 2], kernel, i, spatial, ceil: false);
        }

        context.SetOutput(0, type, output);
    }

    private static void ConvTranspose(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var w = context.Shape(1);
        if (x is not { Length: >= 3 })
        {
            context.SetOutput(0, type, null);
            return;
        }

        var spatial = x.Length - 2;
        var group = context.Int("group", 1);
        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = w is { Length: > 1 } ? DimMath.Mul(w[1], Dim.Fixed(group)) : Dim.Unknown;
        var kernel = context.Ints("kernel_shape") ?? KernelFromWeight(w, spatial);
        var explicitShape = context.Ints("output_shape");
        var strides = context.Ints("strides");
        var dilations = context.Ints("dilations");
        var pads = context.Ints("pads");
        var outputPadding = context.Ints("output_padding");
        var autoPad = context.String("auto_pad", "NOTSET");
        for (var i = 0; i < spatial; i++)
        {
            // Some exporters write output_shape with the batch and channel sizes in front; the last ones count.
            if (explicitShape is { } shape && shape.Length >= spatial)
            {
                output[i + 2] = Dim.Fixed(shape[shape.Length - spatial + i]);
                continue;
            }

            var stride = strides?[i] ?? 1;
            if (x[i + 2].Value is not { } input || kernel is null)
            {
                output[i + 2] = Dim.Unknown;
                continue;
            }

            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[i + 2] = Dim.Fixed(input * stride);
                continue;
            }

            var dilation = dilations?[i] ?? 1;
            var padTotal = autoPad == "VALID" ? 0 : (pads?[i] ?? 0) + (pads?[i + spatial] ?? 0);
            var size = (stride * (input - 1)) + (outputPadding?[i] ?? 0) + ((kernel[i] - 1) * dilation) + 1 - padTotal;
            output[i + 2] = size >= 0 ? Dim.Fixed(size) : Dim.Unknown;
        }

        context.SetOutput(0, type, output);
    }

    private static void Pool(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        var kernel = context.Ints("kernel_shape");
        if (x is not { Length: >= 3 } || kernel is null || kernel.Length != x.Length - 2)
        {
            context.SetOutput(0, type, x is null ? null : DimMath.UnknownShape(x.Length));
            return;
        }

        var spatial = x.Length - 2;
        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = x[1];
        var ceil = context.Int("ceil_mode", 0) != 0;
        for (var i = 0; i < spatial; i++)
        {
            output[i + 2] = Window(context, x[i + 2], kernel, i, spatial, ceil);
        }

        context.SetOutput(0, type, output);
        context.SetOutput(1, ElementType.Int64, output);
    }

    private static long[]? KernelFromWeight(Dim[]? weight, int spatial)
    {
        if (weight is null || weight.Length != spatial + 2 || weight.Skip(2).Any(d => !d.IsFixed))
        {
            return null;
        }

        return weight.Skip(2).Select(d => d.Value!.Value).ToArray();
    }

    // The output length of a sliding window along one axis, for Conv and the pools.
    private static Dim Window(NodeContext context, Dim input, long[] kernel, int axis, int spatial, bool ceil)
    {
        var stride = context.Ints("strides")?[axis] ?? 1;
        var dilation = context.Ints("dilations")?[axis] ?? 1;
        var pads = context.Ints("pads");
        var autoPad = context.String("auto_pad", "NOTSET");
        var explicitPads = autoPad is "NOTSET" or "";
        var padBegin = explicitPads ? pads?[axis] ?? 0 : 0;
        var padEnd = explicitPads ? pads?[axis + spatial] ?? 0 : 0;
        var extent = ((kernel[axis] - 1) * dilation) + 1;
        if (input.Value is not { } size)
        {
            // A symbolic length survives only windows that map every position to itself.
            var identity = stride == 1 && (autoPad is "SAME_UPPER" or "SAME_LOWER" || extent - 1 == padBegin + padEnd);
            return identity ? input : Dim.Unknown;
        }

        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            return Dim.Fixed((size + stride - 1) / stride);
        }

        var span = size + padBegin + padEnd - extent;
        if (span < 0)
        {
            return Dim.Unknown;
        }

        var count = ceil ? ((span + stride - 1) / stride) + 1 : (span / stride) + 1;

        // With ceil_mode, a last window that would start in the end padding is dropped.
        if (ceil && (count - 1) * stride >= size + padBegin)
        {
            count--;
        }

        return Dim.Fixed(count);
    }

    private static void GlobalPool(NodeContext context)
    {
        var x = context.Shape(0);
        if (x is not { Length: >= 2 })
        {
            context.SetOutput(0, context.Type(0), null);
            return;
        }

        var output = new Dim[x.Length];
        output[0] = x[0];
        output[1] = x[1];
        for (var i = 2; i < x.Length; i++)
        {
            output[i] = Dim.Fixed(1);
        }

        context.SetOutput(0, context.Type(0), output);
    }

    private static void BatchNormalization(NodeContext context)
    {
        context.SameAs(0, 0);

        // Running (or saved) statistics have one value per channel, the shape of the scale.
        for (var i = 1; i < context.Outputs.Length; i++)
        {
            var channels = context.Shape(0) is { Length: > 1 } x ? x[1] : Dim.Unknown;
            context.SetOutput(i, context.Type(1), context.Shape(1) ?? [channels]);
        }
    }

    private static void LayerNormalization(NodeContext context)
    {
        context.SameAs(0, 0);
        var x = context.Shape(0);
        var stash = (ElementType)context.Int("stash_type", (long)ElementType.Float);
        Dim[]? reduced = null;
        if (x is not null)
        {
            var axis = DimMath.Axis(context.Int("axis", -1), x.Length);
            reduced = axis < 0 ? null : x.Select((d, i) => i < axis ? d : Dim.Fixed(1)).ToArray();
        }

        context.SetOutput(1, stash, reduced);
        context.SetOutput(2, stash, reduced);
    }

    private static void Dropout(NodeContext context)
    {
        context.SameAs(0, 0);
        context.SetOutput(1, ElementType.Bool, context.Shape(0));
    }

    private static void Loss(NodeContext context)
    {
        var type = context.Type(0);
        var scores = context.Shape(0);
        var reduction = context.String("reduction", "mean");
        Dim[]? perElement = scores is { Length: >= 2 } ? [scores[0], .. scores[2..]] : null;
        context.SetOutput(0, type, reduction == "none" ? perElement ?? context.Shape(1) : []);
        context.SetOutput(1, type, scores);
    }

    private static void Resize(NodeContext context)
    {
        var type = context.Type(0);
        var x = context.Shape(0);
        if (x is null)
        {
            context.SetOutput(0, type, null);
            return;
        }

        // Upsample and opset 10's Resize take (X, scales); from opset 11 on, Resize takes (X, roi, scales, sizes).
        // Upsample before opset 9 has its scales as an attribute.
        var upsample = context.Node.OpType == "Upsample";
        var scalesIndex = upsample || context.Opset < 11 ? 1 : 2;
        var scales = context.ConstNumbers(scalesIndex)
            ?? (upsample ? context.Floats("scales")?.Select(f => (double)f).ToArray() : null);
        var axes = context.Ints("axes")?.Select(a => DimMath.Axis(a, x.Length)).ToArray()
            ?? Enumerable.Range(0, x.Length).ToArray();
        var output = (Dim[])x.Clone();
        if (!upsample && context.Opset >= 11 && context.HasInput(3))
        {
            var sizes = context.ConstInts(3);
            for (var i = 0; i < axes.Length; i++)
            {
                if (axes[i] >= 0)
                {
                    output[axes[i]] = sizes is not null && i < sizes.Length ? Dim.Fixed(sizes[i]) : Dim.Unknown;
                }
            }
        }
        else if (scales is not null && scales.Length == axes.Length)
        {
            for (var i = 0; i < axes.Length; i++)
            {
                if (axes[i] >= 0 && scales[i] != 1.0)
                {
                    output[axes[i]] = x[axes[i]].Value is { } size
                        ? Dim.Fixed((long)Math.Floor(size * scales[i]))
                        : Dim.Unknown;
                }
            }
        }
        else
        {
            output = DimMath.UnknownShape(x.Length);
        }

        context.SetOutput(0, type, output);
    }

    private static void TopK(NodeContext context)
    {
        var x = context.Shape(0);
        Dim[]? output = null;
        if (x is not null)
        {
            var axis = DimMath.Axis(context.Int("axis", -1), x.Length);
            var k = context.Opset < 10 ? context.Int("k", -1) : context.ConstInts(1) is [var value] ? value : -1;
            output = (Dim[])x.Clone();
            if (axis >= 0)
            {
                output[axis] = k >= 0 ? Dim.Fixed(k) : Dim.Unknown;
            }
        }

        context.SetOutput(0, context.Type(0), output);
        context.SetOutput(1, ElementType.Int64, output);
    }

    private static void DequantizeLinear(NodeContext context)
    {
        var type = context.Opset >= 21 && context.Attribute("output_dtype") is { I: > 0 } a
            ? (ElementType)a.I
            : context.HasInput(1) ? context.Type(1) : ElementType.Float;
        context.SetOutput(0, type, context.Shape(0));
    }

    private static void QuantizeLinear(NodeContext context)
    {
        var type = context.HasInput(2) ? context.Type(2) : ElementType.UInt8;
        context.SetOutput(0, type, context.Shape(0));
    }
}
