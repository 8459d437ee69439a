using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Rules;

/// <summary>The weight gradient that Conv and ConvTranspose share, as one convolution of transposed tensors.</summary>
internal static class ConvolutionGradients
{
    /// <summary>
    /// Computes <c>dW[m, c, i] = Σₙ Σₒ input[n, c, o·s + i·d − p]·outGrad[n, m, o]</c> as a convolution whose batch
    /// is the channel axis of <paramref name="input"/> and whose kernel is <paramref name="outGrad"/> with batch and
    /// channel swapped, with the roles of stride and dilation exchanged; grouped convolutions put the groups on the
    /// channel axis. Returns [M, C/group, k...] sliced to the kernel size.
    /// </summary>
    public static GraphValue Weight(
        GradientContext c,
        GraphValue input,
        GraphValue outGrad,
        WindowGeometry g,
        long group)
    {
        var n = g.Count;
        if (group == 1 && c.ShapeOf(input) is { } inputShape && inputShape[1].Value == 1 && inputShape[0].Value is { } batch)
        {
            return SingleChannelWeight(c, input, outGrad, g, batch);
        }

        var swap = new long[] { 1, 0 }.Concat(Enumerable.Range(2, n).Select(i => (long)i)).ToArray();
        GraphValue transposedInput;
        if (group == 1)
        {
            transposedInput = c.Emit("Transpose", [input], Attr.Ints("perm", swap));
        }
        else
        {
            // [N, g·Cg, S...] → [N, g, Cg, S...] → [Cg, g, N, S...] → [Cg, g·N, S...].
            var shape = c.ShapeOf(input)!;
            var channels = shape[1].Value ?? throw c.NotDefined("a grouped convolution needs a fixed channel count.");
            if (shape.Skip(2).Any(d => !d.IsFixed))
            {
                throw c.NotDefined("a grouped convolution needs fixed spatial sizes.");
            }

            var spatial = shape.Skip(2).Select(d => d.Value!.Value).ToArray();
            var cg = channels / group;
            var split = c.Emit("Reshape", [input, c.Int64s([-1, group, cg, .. spatial])]);
            long[] perm = [2, 1, 0, .. Enumerable.Range(3, n).Select(i => (long)i)];
            var moved = c.Emit("Transpose", [split], Attr.Ints("perm", perm));
            transposedInput = c.Emit("Reshape", [moved, c.Int64s([cg, -1, .. spatial])]);
        }

        var kernel = c.Emit("Transpose", [outGrad], Attr.Ints("perm", swap));
        var attributes = new List<AttributeProto>
        {
            Attr.Ints("strides", g.Dilations),
            Attr.Ints("dilations", g.Strides),
            Attr.Ints("pads", g.Pads),
        };
        if (group != 1)
        {
            attributes.Add(Attr.Int("group", group));
        }

        var correlation = c.Emit("Conv", [transposedInput, kernel], [.. attributes]);
        var weight = c.Emit("Transpose", [correlation], Attr.Ints("perm", swap));

        // Padding that strides never reach makes the correlation longer than the kernel; keep the kernel's part.
        var produced = c.ShapeOf(weight)?.Skip(2).Select(d => d.Value).ToArray();
        if (produced is null || produced.Any(p => p is null))
        {
            return SliceTo(c, weight, g.Kernel);
        }

        return produced.Select((p, i) => p!.Value == g.Kernel[i]).All(same => same) ? weight : SliceTo(c, weight, g.Kernel);
    }

    /// <summary>
    /// For one input channel: the images become the channels of one sample, <c>[1, N, S...]</c>, and dY the
    /// weights of a convolution grouped by image, <c>[N·M, 1, OS...]</c>, both plain reshapes; the per-image
    /// results are summed. Its im2col buffer is one image's, where the transposed form's spans the whole batch.
    /// </summary>
    private static GraphValue SingleChannelWeight(
        GradientContext c,
        GraphValue input,
        GraphValue outGrad,
        WindowGeometry g,
        long batch)
    {
        var n = g.Count;
        var outShape = c.ShapeOf(outGrad);
        if (outShape is null || outShape.Skip(1).Any(d => !d.IsFixed) || g.Input.Any(i => i is null))
        {
            throw c.NotDefined("the weight gradient needs fixed channel and spatial sizes.");
        }

        var channels = outShape[1].Value!.Value;
        var images = c.Emit("Reshape", [input, c.Int64s([1, batch, .. g.Input.Select(i => i!.Value)])]);
        long[] kernelShape = [batch * channels, 1, .. outShape.Skip(2).Select(d => d.Value!.Value)];
        var kernels = c.Emit("Reshape", [outGrad, c.Int64s(kernelShape)]);
        var correlation = c.Emit(
            "Conv",
            [images, kernels],
            Attr.Ints("strides", g.Dilations),
            Attr.Ints("dilations", g.Strides),
            Attr.Ints("pads", g.Pads),
            Attr.Int("group", batch));
        var perImage = c.Emit("Reshape", [correlation, c.Int64s([batch, channels, .. new long[n]])]);
        return Trim(c, perImage, channels, g);
    }

    private static GraphValue Trim(GradientContext c, GraphValue perImage, long channels, WindowGeometry g)
    {
        // Sum over images, then view [1, M, k'...] as [M, 1, k'...] (the same order for one input channel).
        var summed = c.ReduceSum(perImage, [0], keepDims: false);
        var weight = c.Unsqueeze(summed, [1]);
        var produced = c.ShapeOf(weight)?.Skip(2).Select(d => d.Value).ToArray();
        return produced is not null && produced.Select((p, i) => p == g.Kernel[i]).All(same => same)
            ? weight
            : SliceTo(c, weight, g.Kernel);
    }

    private static GraphValue SliceTo(GradientContext c, GraphValue weight, long[] kernel)
    {
        var n = kernel.Length;
        var axes = Enumerable.Range(2, n).Select(i => (long)i).ToArray();
        return c.Emit("Slice", [weight, c.Int64s(new long[n]), c.Int64s(kernel), c.Int64s(axes)]);
    }

    /// <summary>Sums the output gradient over batch and spatial axes: the bias gradient.</summary>
    public static GraphValue Bias(GradientContext c, GraphValue outGrad, int spatial) =>
        c.ReduceSum(outGrad, [0, .. Enumerable.Range(2, spatial).Select(i => (long)i)], keepDims: false);
}
