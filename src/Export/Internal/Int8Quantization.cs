using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Dynamic INT8 quantization with standard operators: the weights of <c>MatMul</c>, <c>Gemm</c> and <c>Conv</c>
/// are stored as 8-bit integers with float scales, and at run time each layer quantizes its input with
/// <c>DynamicQuantizeLinear</c>, multiplies in integers (<c>MatMulInteger</c>, <c>ConvInteger</c>) and rescales the
/// int32 result: <c>y = float(acc) * input_scale * weight_scale (+ bias)</c>.
/// </summary>
/// <remarks>
/// Weights are symmetric around the uint8 zero point 128, so one scalar zero point serves per-channel scales: ORT's
/// CPU <c>ConvInteger</c> takes uint8 weights with a scalar zero point only, and the uint8 by uint8 kernels of
/// <c>MatMulInteger</c> do not saturate the way the uint8 by int8 AVX2 path can.
/// </remarks>
internal static class Int8Quantization
{
    private const byte WeightZeroPoint = 128;

    /// <summary>Quantizes the model in place.</summary>
    /// <returns>The number of layers quantized.</returns>
    public static int Apply(ModelProto model, bool perChannel, bool convolutions)
    {
        var graph = model.Graph;
        var initializers = GraphEdit.Initializers(graph);
        var taken = GraphEdit.TakenNames(graph);
        var quantizedInputs = new Dictionary<string, (string Values, string Scale, string ZeroPoint)>(StringComparer.Ordinal);
        var weightZeroPoint = GraphEdit.FreshName(taken, "weight_zero_point");
        graph.Initializer.Add(TensorProtos.Create<byte>(weightZeroPoint, ElementType.UInt8, [], [WeightZeroPoint]));
        var count = 0;
        foreach (var node in graph.Node.ToList())
        {
            var replacement = node.OpType switch
            {
                "MatMul" => QuantizeMatMul(graph, node, initializers, perChannel, taken, quantizedInputs, weightZeroPoint),
                "Gemm" => QuantizeGemm(graph, node, initializers, perChannel, taken, quantizedInputs, weightZeroPoint),
                "Conv" when convolutions =>
                    QuantizeConv(graph, node, initializers, perChannel, taken, quantizedInputs, weightZeroPoint),
                _ => null,
            };
            if (replacement is null)
            {
                continue;
            }

            var index = graph.Node.IndexOf(node);
            graph.Node.RemoveAt(index);
            for (var i = 0; i < replacement.Count; i++)
            {
                graph.Node.Insert(index + i, replacement[i]);
            }

            count++;
        }

        GraphEdit.SortTopologically(graph);
        DeadCodeElimination.Apply(graph);
        graph.ValueInfo.Clear();
        return count;
    }

    private static List<NodeProto>? QuantizeMatMul(
        GraphProto graph,
        NodeProto node,
        Dictionary<string, TensorProto> initializers,
        bool perChannel,
        HashSet<string> taken,
        Dictionary<string, (string, string, string)> quantizedInputs,
        string weightZeroPoint)
    {
        if (!IsFloatWeight(initializers, node.Input[1], rank: 2) || initializers.ContainsKey(node.Input[0]))
        {
            return null;
        }

        var weight = initializers[node.Input[1]];
        var w = TensorProtos.ToArray<float>(weight);
        return BuildMatMul(graph, node, w, weight.Dims[0], weight.Dims[1], transposed: false, 1f, null, perChannel,
            taken, quantizedInputs, weightZeroPoint);
    }

    private static List<NodeProto>? QuantizeGemm(
        GraphProto graph,
        NodeProto node,
        Dictionary<string, TensorProto> initializers,
        bool perChannel,
        HashSet<string> taken,
        Dictionary<string, (string, string, string)> quantizedInputs,
        string weightZeroPoint)
    {
        var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        if (GraphEdit.GetInt(node, "transA", 0) != 0 ||
            !IsFloatWeight(initializers, node.Input[1], rank: 2) ||
            initializers.ContainsKey(node.Input[0]) ||
            (hasBias && !IsFloatWeight(initializers, node.Input[2], rank: -1)))
        {
            return null;
        }

        var weight = initializers[node.Input[1]];
        var transposed = GraphEdit.GetInt(node, "transB", 0) != 0;
        var (k, n) = transposed ? (weight.Dims[1], weight.Dims[0]) : (weight.Dims[0], weight.Dims[1]);
        TensorProto? bias = null;
        if (hasBias)
        {
            var beta = GraphEdit.GetFloat(node, "beta", 1f);
            var c = initializers[node.Input[2]];
            var values = TensorProtos.ToArray<float>(c).Select(v => v * beta).ToArray();
            bias = TensorProtos.FromFloats(GraphEdit.FreshName(taken, node.Input[2] + "_scaled"), c.Dims.ToArray(), values);
        }

        return BuildMatMul(graph, node, TensorProtos.ToArray<float>(weight), k, n, transposed,
            GraphEdit.GetFloat(node, "alpha", 1f), bias, perChannel, taken, quantizedInputs, weightZeroPoint);
    }

    private static List<NodeProto> BuildMatMul(
        GraphProto graph,
        NodeProto node,
        float[] w,
        long k,
        long n,
        bool transposed,
        float alpha,
        TensorProto? bias,
        bool perChannel,
        HashSet<string> taken,
        Dictionary<string, (string, string, string)> quantizedInputs,
        string weightZeroPoint)
    {
        // Column j of the [K, N] weight is output channel j; a transposed weight holds it as row j.
        var channels = (int)n;
        var inner = (int)k;
        float At(int row, int column) => transposed ? w[(column * inner) + row] : w[(row * channels) + column];
        var scales = ChannelScales(channels, inner, (c, i) => At(i, c), perChannel);
        var q = new byte[inner * channels];
        for (var r = 0; r < inner; r++)
        {
            for (var c = 0; c < channels; c++)
            {
                q[(r * channels) + c] = Quantize(At(r, c), scales[perChannel ? c : 0]);
            }
        }

        var prefix = node.Input[1];
        var qWeight = GraphEdit.FreshName(taken, prefix + "_quantized");
        graph.Initializer.Add(TensorProtos.Create<byte>(qWeight, ElementType.UInt8, [k, n], q));
        var scaleValues = scales.Select(s => s * alpha).ToArray();
        var scale = GraphEdit.FreshName(taken, prefix + "_scale");
        graph.Initializer.Add(TensorProtos.FromFloats(scale, perChannel ? [channels] : [], scaleValues));

        var nodes = new List<NodeProto>();
        var (xq, xs, xzp) = QuantizeInput(node.Input[0], nodes, taken, quantizedInputs);
        var accumulator = Add(nodes, taken, "MatMulInteger", [xq, qWeight, xzp, weightZeroPoint], node.Name + "_int");
        Finish(graph, node, nodes, taken, accumulator, xs, scale, bias);
        return nodes;
    }

    private static List<NodeProto>? QuantizeConv(
        GraphProto graph,
        NodeProto node,
        Dictionary<string, TensorProto> initializers,
        bool perChannel,
        HashSet<string> taken,
        Dictionary<string, (string, string, string)> quantizedInputs,
        string weightZeroPoint)
    {
        var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        if (!IsFloatWeight(initializers, node.Input[1], rank: -1) ||
            initializers[node.Input[1]].Dims.Count < 3 ||
            initializers.ContainsKey(node.Input[0]) ||
            (hasBias && !IsFloatWeight(initializers, node.Input[2], rank: 1)))
        {
            return null;
        }

        var weight = initializers[node.Input[1]];
        var w = TensorProtos.ToArray<float>(weight);
        var channels = (int)weight.Dims[0];
        var inner = w.Length / channels;
        var scales = ChannelScales(channels, inner, (c, i) => w[(c * inner) + i], perChannel);
        var q = new byte[w.Length];
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < inner; i++)
            {
                q[(c * inner) + i] = Quantize(w[(c * inner) + i], scales[perChannel ? c : 0]);
            }
        }

        var prefix = node.Input[1];
        var qWeight = GraphEdit.FreshName(taken, prefix + "_quantized");
        graph.Initializer.Add(TensorProtos.Create<byte>(qWeight, ElementType.UInt8, weight.Dims.ToArray(), q));

        // Per-channel factors broadcast over [N, M, spatial...] as [M, 1, ...].
        var spatial = weight.Dims.Count - 2;
        long[] channelShape = [channels, .. Enumerable.Repeat(1L, spatial)];
        var scale = GraphEdit.FreshName(taken, prefix + "_scale");
        graph.Initializer.Add(TensorProtos.FromFloats(scale, perChannel ? channelShape : [], scales));
        TensorProto? bias = null;
        if (hasBias)
        {
            var b = initializers[node.Input[2]];
            bias = TensorProtos.FromFloats(GraphEdit.FreshName(taken, node.Input[2] + "_channels"), channelShape,
                TensorProtos.ToArray<float>(b));
        }

        var nodes = new List<NodeProto>();
        var (xq, xs, xzp) = QuantizeInput(node.Input[0], nodes, taken, quantizedInputs);
        var conv = new NodeProto { OpType = "ConvInteger", Name = GraphEdit.FreshName(taken, node.Name + "_int") };
        conv.Input.AddRange([xq, qWeight, xzp, weightZeroPoint]);
        var accumulator = GraphEdit.FreshName(taken, node.Output[0] + "_int32");
        conv.Output.Add(accumulator);
        conv.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
        nodes.Add(conv);
        Finish(graph, node, nodes, taken, accumulator, xs, scale, bias);
        return nodes;
    }

    /// <summary>Rescales the int32 accumulator into the layer's original output tensor.</summary>
    private static void Finish(
        GraphProto graph,
        NodeProto node,
        List<NodeProto> nodes,
        HashSet<string> taken,
        string accumulator,
        string inputScale,
        string weightScale,
        TensorProto? bias)
    {
        var asFloat = Add(nodes, taken, "Cast", [accumulator], node.Name + "_float", Attr.Int("to", (long)ElementType.Float));
        var scale = Add(nodes, taken, "Mul", [inputScale, weightScale], node.Name + "_scale");
        if (bias is null)
        {
            AddNamed(nodes, taken, "Mul", [asFloat, scale], node.Output[0]);
            return;
        }

        graph.Initializer.Add(bias);
        var scaled = Add(nodes, taken, "Mul", [asFloat, scale], node.Name + "_scaled");
        AddNamed(nodes, taken, "Add", [scaled, bias.Name], node.Output[0]);
    }

    private static (string Values, string Scale, string ZeroPoint) QuantizeInput(
        string input,
        List<NodeProto> nodes,
        HashSet<string> taken,
        Dictionary<string, (string, string, string)> quantizedInputs)
    {
        if (quantizedInputs.TryGetValue(input, out var existing))
        {
            return existing;
        }

        // The first layer to read a tensor quantizes it; layers that share the input (task heads) reuse it.
        var node = new NodeProto { OpType = "DynamicQuantizeLinear", Name = GraphEdit.FreshName(taken, input + "_quantize") };
        node.Input.Add(input);
        var result = (
            GraphEdit.FreshName(taken, input + "_quantized"),
            GraphEdit.FreshName(taken, input + "_scale"),
            GraphEdit.FreshName(taken, input + "_zero_point"));
        node.Output.AddRange([result.Item1, result.Item2, result.Item3]);
        nodes.Add(node);
        quantizedInputs[input] = result;
        return result;
    }

    private static float[] ChannelScales(int channels, int inner, Func<int, int, float> at, bool perChannel)
    {
        var scales = new float[perChannel ? channels : 1];
        for (var c = 0; c < channels; c++)
        {
            var max = 0f;
            for (var i = 0; i < inner; i++)
            {
                max = Math.Max(max, Math.Abs(at(c, i)));
            }

            var slot = perChannel ? c : 0;
            scales[slot] = Math.Max(scales[slot], max / 127f);
        }

        for (var s = 0; s < scales.Length; s++)
        {
            // An all-zero channel quantizes to the zero point under any scale; 1 avoids dividing by zero.
            scales[s] = scales[s] > 0 ? scales[s] : 1f;
        }

        return scales;
    }

    private static byte Quantize(float value, float scale) =>
        (byte)(Math.Clamp((int)MathF.Round(value / scale, MidpointRounding.ToEven), -127, 127) + WeightZeroPoint);

    private static bool IsFloatWeight(Dictionary<string, TensorProto> initializers, string name, int rank) =>
        initializers.TryGetValue(name, out var t) && t.DataType == (int)ElementType.Float && (rank < 0 || t.Dims.Count == rank);

    private static string Add(
        List<NodeProto> nodes,
        HashSet<string> taken,
        string op,
        string[] inputs,
        string hint,
        params AttributeProto[] attributes) =>
        AddNamed(nodes, taken, op, inputs, GraphEdit.FreshName(taken, hint), attributes);

    private static string AddNamed(
        List<NodeProto> nodes,
        HashSet<string> taken,
        string op,
        string[] inputs,
        string output,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = GraphEdit.FreshName(taken, output + "_" + op) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        nodes.Add(node);
        return output;
    }
}
