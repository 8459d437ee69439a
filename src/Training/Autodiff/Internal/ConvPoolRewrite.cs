using Microsoft.Extensions.Logging;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Autodiff.Rules;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>
/// Rewrites a large-kernel 2-D <c>Conv</c> whose only consumer is a tiling <c>MaxPool</c> (a b×b window with stride
/// b, no padding) into its polyphase form before differentiation: <c>SpaceToDepth</c> splits the input into its b×b
/// phases, one convolution with a smaller kernel computes every phase of the output as channels, and the pooling
/// becomes a <c>ReduceMax</c> over the phase axis. The values are the same up to the order of the float sums; the
/// gradient rules of the new nodes then give the backward pass.
/// </summary>
/// <remarks>
/// <para>
/// With <c>kh - 1</c> and the input and output heights divisible by b (and likewise for widths), output phase r of
/// <c>y[m, b·a + r] = Σᵢ W[m, i]·x[b·a + r + i]</c> is a convolution of the input phases with a kernel of
/// <c>(kh - 1)/b + 1</c> rows whose taps are gathered from W (zero where no tap of W falls): the weights become a
/// <c>Gather</c> from W and a zero, so W keeps its shape and its gradient flows back through the gather. Tied maxima
/// share the gradient evenly, as in the MaxPool rule.
/// </para>
/// <para>
/// Why: ONNX Runtime's CPU convolution expands its input into one column per output position (im2col) and multiplies
/// by a filter matrix with one row per output channel. A single-channel 9×9 convolution with 10 filters (LeNet's
/// first layer) spends most of its time on that expansion, and its weight gradient (a convolution of the transposed
/// tensors) more so; the polyphase form has a quarter of the positions, four times the filters and a 5×5 kernel, for
/// 23 % more multiply-adds. On Multi-Fashion's LeNet (batch 256, one thread) it cut that layer's forward, pooling and
/// backward from 42 to 30 processor-ms per step. The 5×5 second layer (44 % more work) was not faster, so the rewrite
/// is limited to at most 25 % more multiply-adds and 32 output channels. The bias is added after the maximum, which
/// is the same for every phase, on a quarter of the elements.
/// </para>
/// </remarks>
internal static class ConvPoolRewrite
{
    private const double MaxInflation = 1.25;
    private const long MaxOutputChannels = 32;

    public static void Apply(
        GraphEmitter emitter,
        GradientRequest request,
        GradientRuleRegistry rules,
        GraphProto graph,
        ILogger logger)
    {
        if (!rules.TryGetRule("Conv", emitter.Opset, out var convRule) || convRule is not ConvGradient ||
            !rules.TryGetRule("MaxPool", emitter.Opset, out var poolRule) || poolRule is not MaxPoolGradient)
        {
            return;
        }

        var forward = emitter.Forward;
        var consumers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in forward.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name))
            .Concat(request.WithRespectTo).Concat(request.PerLossWithRespectTo).Concat(request.Losses))
        {
            consumers[input] = consumers.GetValueOrDefault(input) + 1;
        }

        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < forward.Count; i++)
        {
            producers[forward[i].Output[0]] = i;
        }

        var replaced = new Dictionary<int, List<NodeProto>>();
        for (var p = 0; p < forward.Count; p++)
        {
            var pool = forward[p];
            if (!IsStandard(pool, "MaxPool") || pool.Input.Count == 0 ||
                !producers.TryGetValue(pool.Input[0], out var c) || replaced.ContainsKey(c) ||
                consumers.GetValueOrDefault(pool.Input[0]) != 1 || !IsStandard(forward[c], "Conv") ||
                Plan(emitter, forward[c], pool) is not { } plan)
            {
                continue;
            }

            emitter.Hint = forward[c].Name.Length > 0 ? forward[c].Name : forward[c].Output[0];
            AutodiffLog.ConvPoolRewritten(logger, emitter.Hint, plan.Block);
            var (convNodes, poolNodes) = Build(emitter, forward[c], pool, plan);
            replaced[c] = convNodes;
            replaced[p] = poolNodes;

            // The Conv's output tensor is gone; drop its declared shape with it.
            var stale = graph.ValueInfo.Where(v => v.Name == forward[c].Output[0]).ToArray();
            foreach (var info in stale)
            {
                graph.ValueInfo.Remove(info);
            }
        }

        if (replaced.Count == 0)
        {
            return;
        }

        var rewritten = new List<NodeProto>(forward.Count + (4 * replaced.Count));
        for (var i = 0; i < forward.Count; i++)
        {
            rewritten.AddRange(replaced.TryGetValue(i, out var nodes) ? nodes : [forward[i]]);
        }

        forward.Clear();
        forward.AddRange(rewritten);
    }

    private static bool IsStandard(NodeProto node, string opType) =>
        node.OpType == opType && (node.Domain.Length == 0 || node.Domain == "ai.onnx");

    /// <summary>Checks that the pair can be rewritten and that the rewrite pays; returns its sizes or null.</summary>
    private static PolyphasePlan? Plan(GraphEmitter e, NodeProto conv, NodeProto pool)
    {
        var window = NodeAttributes.GetInts(pool, "kernel_shape");
        if (window is not [var block, var other] || other != block || block < 2 ||
            pool.Output.Skip(1).Any(o => o.Length > 0) ||
            !(NodeAttributes.GetInts(pool, "strides") ?? [1, 1]).SequenceEqual(window) ||
            !IsZeroPadding(pool) || !IsOnes(NodeAttributes.GetInts(pool, "dilations")) ||
            NodeAttributes.GetInt(pool, "ceil_mode", 0) != 0 || NodeAttributes.GetInt(pool, "storage_order", 0) != 0)
        {
            return null;
        }

        if (NodeAttributes.GetInt(conv, "group", 1) != 1 || !IsZeroPadding(conv) ||
            !IsOnes(NodeAttributes.GetInts(conv, "strides")) || !IsOnes(NodeAttributes.GetInts(conv, "dilations")) ||
            conv.Input.Count < 2 || conv.Output.Count != 1)
        {
            return null;
        }

        var x = e.Shapes.GetShape(conv.Input[0]);
        var w = e.Shapes.GetStaticShape(conv.Input[1]);
        var type = e.Shapes.GetElementType(conv.Input[1]);
        if (x is not { Count: 4 } || w is not { Length: 4 } || !ElementTypes.IsFloatingPoint(type) ||
            x[1].Value != w[1] || x[2].Value is not { } height || x[3].Value is not { } width ||
            (conv.Input.Count > 2 && conv.Input[2].Length > 0 && e.Shapes.GetStaticShape(conv.Input[2]) is not [_]))
        {
            return null;
        }

        long[] input = [height, width];
        var taps = new long[2];
        for (var i = 0; i < 2; i++)
        {
            var output = input[i] - w[2 + i] + 1;
            if (output < block || input[i] % block != 0 || output % block != 0)
            {
                return null;
            }

            // Divisible input and output sizes make kh - 1 divisible by b, so the phase kernel fits exactly.
            taps[i] = ((w[2 + i] - 1) / block) + 1;
        }

        var inflation = (double)(block * block * taps[0] * taps[1]) / (w[2] * w[3]);
        return inflation <= MaxInflation && w[0] <= MaxOutputChannels
            ? new PolyphasePlan(block, w, taps, input, type)
            : null;
    }

    private static bool IsZeroPadding(NodeProto node) =>
        NodeAttributes.GetString(node, "auto_pad", "NOTSET") is "NOTSET" or "VALID" or "" &&
        (NodeAttributes.GetInts(node, "pads") ?? []).All(p => p == 0);

    private static bool IsOnes(long[]? values) => values is null || values.All(v => v == 1);

    private static (List<NodeProto> Conv, List<NodeProto> Pool) Build(
        GraphEmitter e,
        NodeProto conv,
        NodeProto pool,
        PolyphasePlan plan)
    {
        var nodes = new List<NodeProto>();
        string Add(string op, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
        {
            var node = e.CreateForwardNode(op, inputs, [null], attributes);
            nodes.Add(node);
            return node.Output[0];
        }

        var block = plan.Block;
        var (m, channels) = (plan.Weight[0], plan.Weight[1]);
        var phases = block * block;

        // [N, C, H, W] → [N, b·b·C, H/b, W/b], phase (u, v) of channel c at (u·b + v)·C + c. The shape inference
        // has no rule for SpaceToDepth, so its result's shape is declared here.
        var phased = Add("SpaceToDepth", [conv.Input[0]], Attr.Int("blocksize", block));
        var x = e.Shapes.GetShape(conv.Input[0])!;
        e.Shapes.SetTensor(phased, plan.Type, [x[0], phases * channels, plan.Input[0] / block, plan.Input[1] / block]);

        var flat = Add("Reshape", [conv.Input[1], e.Int64s([-1])]);
        var withZero = Add("Concat", [flat, e.Filled(0, plan.Type, [1])], Attr.Int("axis", 0));
        var weights = Add("Gather", [withZero, e.Constant(WeightIndices(plan), "polyphase_taps")], Attr.Int("axis", 0));
        var outputs = Add("Conv", [phased, weights], Attr.Ints("kernel_shape", plan.Taps));
        var pooledRows = (plan.Input[0] - plan.Weight[2] + 1) / block;
        var pooledColumns = (plan.Input[1] - plan.Weight[3] + 1) / block;
        var byPhase = Add("Reshape", [outputs, e.Int64s([-1, phases, m, pooledRows, pooledColumns])]);

        // The pool keeps its name and output: the maximum over the phase axis of [N, b·b, M, OH/b, OW/b], plus the
        // bias, which moves past the maximum (it is the same for every phase) onto a quarter of the elements.
        var hasBias = conv.Input.Count > 2 && conv.Input[2].Length > 0;
        var poolNodes = new List<NodeProto>();
        string?[] maxName = [hasBias ? null : pool.Output[0]];
        var reduce = e.Opset >= 18
            ? e.CreateForwardNode("ReduceMax", [byPhase, e.Int64s([1])], maxName, Attr.Int("keepdims", 0))
            : e.CreateForwardNode("ReduceMax", [byPhase], maxName, Attr.Ints("axes", 1), Attr.Int("keepdims", 0));
        poolNodes.Add(reduce);
        if (hasBias)
        {
            var bias = e.CreateForwardNode("Reshape", [conv.Input[2], e.Int64s([m, 1, 1])], [null]);
            poolNodes.Add(bias);
            poolNodes.Add(e.CreateForwardNode("Add", [reduce.Output[0], bias.Output[0]], [pool.Output[0]]));
        }

        if (pool.Name.Length > 0)
        {
            poolNodes[^1].Name = pool.Name;
        }

        return (nodes, poolNodes);
    }

    /// <summary>
    /// Gets, for each tap of the phase kernel [b·b·M, b·b·C, th, tw], the index of the W element it holds in the
    /// flattened W, or the index of the zero appended after it.
    /// </summary>
    private static TensorProto WeightIndices(PolyphasePlan plan)
    {
        var (bh, bw) = (plan.Block, plan.Block);
        var (m, channels, kh, kw) = (plan.Weight[0], plan.Weight[1], plan.Weight[2], plan.Weight[3]);
        var (th, tw) = (plan.Taps[0], plan.Taps[1]);
        long[] shape = [bh * bw * m, bh * bw * channels, th, tw];
        var indices = new long[shape.Aggregate(1L, (p, d) => p * d)];
        for (var k = 0L; k < indices.Length; k++)
        {
            // k runs over (rh, rw, o) for the output channel, (uh, uw, c) for the input channel, then (ah, aw).
            var (rest, aw) = Math.DivRem(k, tw);
            (rest, var ah) = Math.DivRem(rest, th);
            (rest, var c) = Math.DivRem(rest, channels);
            (rest, var input) = Math.DivRem(rest, bh * bw);
            var (output, o) = Math.DivRem(rest, m);
            var (uh, uw) = Math.DivRem(input, bw);
            var (rh, rw) = Math.DivRem(output, bw);

            // Output phase r reads input phase u at block offset a, which is tap b·a + u − r of W.
            var i = (bh * ah) + uh - rh;
            var j = (bw * aw) + uw - rw;
            indices[k] = i >= 0 && i < kh && j >= 0 && j < kw
                ? (((((o * channels) + c) * kh) + i) * kw) + j
                : m * channels * kh * kw;
        }

        return TensorProtos.FromInt64s(string.Empty, shape, indices);
    }

    private sealed record PolyphasePlan(long Block, long[] Weight, long[] Taps, long[] Input, ElementType Type);
}
