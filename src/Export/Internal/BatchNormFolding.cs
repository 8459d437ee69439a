using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Folds an inference-mode <c>BatchNormalization</c> into the <c>Conv</c>, <c>Gemm</c> or <c>MatMul</c> (with or
/// without a bias <c>Add</c>) that feeds it, when that layer's weights are constants and nothing else reads its
/// output: with <c>f = scale / sqrt(var + epsilon)</c>, the weights of output channel <c>m</c> are scaled by
/// <c>f[m]</c> and the bias becomes <c>(bias - mean) * f + B</c>. The arithmetic runs in double precision.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>Applies the pass and returns the number of batch normalizations folded.</summary>
    public static int Apply(GraphProto graph, GraphProbe probe)
    {
        var folded = 0;
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var bn = graph.Node[i];
            if (bn.OpType != "BatchNormalization" || (bn.Domain.Length > 0 && bn.Domain != "ai.onnx"))
            {
                continue;
            }

            if (TryFold(graph, bn, probe))
            {
                folded++;
                i = graph.Node.IndexOf(bn);
                graph.Node.RemoveAt(i--);
            }
        }

        return folded;
    }

    private static bool TryFold(GraphProto graph, NodeProto bn, GraphProbe probe)
    {
        var initializers = GraphEdit.Initializers(graph);
        var uses = GraphEdit.UseCounts(graph);
        var producers = GraphEdit.Producers(graph);
        if (bn.Output.Count(o => o.Length > 0) != 1 ||
            bn.Input.Count < 5 ||
            !bn.Input.Skip(1).All(n => IsFloatConstant(initializers, n)) ||
            !producers.TryGetValue(bn.Input[0], out var layer) ||
            !SingleUse(graph, uses, bn.Input[0]))
        {
            return false;
        }

        var epsilon = GraphEdit.GetFloat(bn, "epsilon", 1e-5f);
        var scale = TensorProtos.ToArray<float>(initializers[bn.Input[1]]);
        var shift = TensorProtos.ToArray<float>(initializers[bn.Input[2]]);
        var mean = TensorProtos.ToArray<float>(initializers[bn.Input[3]]);
        var variance = TensorProtos.ToArray<float>(initializers[bn.Input[4]]);
        var channels = scale.Length;
        if (shift.Length != channels || mean.Length != channels || variance.Length != channels)
        {
            return false;
        }

        var factor = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            factor[c] = scale[c] / Math.Sqrt(variance[c] + (double)epsilon);
        }

        var taken = GraphEdit.TakenNames(graph);
        var folded = layer.OpType switch
        {
            "Conv" => FoldConv(graph, layer, factor, mean, shift, initializers, uses, taken),
            "Gemm" => FoldGemm(graph, layer, factor, mean, shift, initializers, uses, taken),
            "MatMul" when probe[bn.Input[0]]?.Rank == 2 =>
                FoldMatMul(graph, layer, null, factor, mean, shift, initializers, uses, taken),
            "Add" when probe[bn.Input[0]]?.Rank == 2 =>
                TryFoldMatMulAdd(graph, layer, factor, mean, shift, initializers, uses, producers, taken),
            _ => false,
        };
        if (!folded)
        {
            return false;
        }

        // The layer now computes the normalized result: it takes over the batch normalization's output name.
        var producer = graph.Node.First(n => n.Output.Contains(bn.Input[0]));
        GraphEdit.RenameProduced(graph, producer, bn.Input[0], bn.Output[0]);
        return true;
    }

    private static bool FoldConv(
        GraphProto graph,
        NodeProto conv,
        double[] factor,
        float[] mean,
        float[] shift,
        Dictionary<string, TensorProto> initializers,
        Dictionary<string, int> uses,
        HashSet<string> taken)
    {
        if (!IsFloatConstant(initializers, conv.Input[1]) || initializers[conv.Input[1]].Dims[0] != factor.Length)
        {
            return false;
        }

        var hasBias = conv.Input.Count > 2 && conv.Input[2].Length > 0;
        if (hasBias && !IsFloatConstant(initializers, conv.Input[2]))
        {
            return false;
        }

        var weight = initializers[conv.Input[1]];
        var w = TensorProtos.ToArray<float>(weight);
        var perChannel = w.Length / factor.Length;
        for (var m = 0; m < factor.Length; m++)
        {
            for (var k = 0; k < perChannel; k++)
            {
                w[(m * perChannel) + k] = (float)(w[(m * perChannel) + k] * factor[m]);
            }
        }

        var bias = hasBias ? TensorProtos.ToArray<float>(initializers[conv.Input[2]]) : new float[factor.Length];
        var newBias = FoldedBias(bias, 1.0, factor, mean, shift);
        conv.Input[1] = Store(graph, weight, w, uses, taken, "_bnfolded");
        var biasName = hasBias ? conv.Input[2] : conv.Input[1] + "_bias";
        var biasTensor = hasBias
            ? initializers[conv.Input[2]]
            : TensorProtos.FromFloats(biasName, [factor.Length], new float[factor.Length]);
        var storedBias = Store(graph, biasTensor, newBias, hasBias ? uses : null, taken, hasBias ? "_bnfolded" : "");
        while (conv.Input.Count < 3)
        {
            conv.Input.Add(string.Empty);
        }

        conv.Input[2] = storedBias;
        return true;
    }

    private static bool FoldGemm(
        GraphProto graph,
        NodeProto gemm,
        double[] factor,
        float[] mean,
        float[] shift,
        Dictionary<string, TensorProto> initializers,
        Dictionary<string, int> uses,
        HashSet<string> taken)
    {
        if (!IsFloatConstant(initializers, gemm.Input[1]) || initializers[gemm.Input[1]].Dims.Count != 2)
        {
            return false;
        }

        var transB = GraphEdit.GetInt(gemm, "transB", 0) != 0;
        var beta = GraphEdit.GetFloat(gemm, "beta", 1f);
        var weight = initializers[gemm.Input[1]];
        var outputs = transB ? weight.Dims[0] : weight.Dims[1];
        if (outputs != factor.Length)
        {
            return false;
        }

        var hasBias = gemm.Input.Count > 2 && gemm.Input[2].Length > 0;
        float[] bias;
        if (hasBias)
        {
            if (!IsFloatConstant(initializers, gemm.Input[2]) ||
                !TryPerOutput(initializers[gemm.Input[2]], factor.Length, out bias))
            {
                return false;
            }
        }
        else
        {
            bias = new float[factor.Length];
        }

        var w = ScaleColumns(TensorProtos.ToArray<float>(weight), factor, transB);
        gemm.Input[1] = Store(graph, weight, w, uses, taken, "_bnfolded");
        var newBias = FoldedBias(bias, hasBias ? beta : 0.0, factor, mean, shift);
        var biasName = GraphEdit.FreshName(taken, gemm.Input[1] + "_bias");
        graph.Initializer.Add(TensorProtos.FromFloats(biasName, [factor.Length], newBias));
        while (gemm.Input.Count < 3)
        {
            gemm.Input.Add(string.Empty);
        }

        gemm.Input[2] = biasName;
        var betaAttribute = GraphEdit.FindAttribute(gemm, "beta");
        if (betaAttribute is not null)
        {
            gemm.Attribute.Remove(betaAttribute);
        }

        return true;
    }

    private static bool TryFoldMatMulAdd(
        GraphProto graph,
        NodeProto add,
        double[] factor,
        float[] mean,
        float[] shift,
        Dictionary<string, TensorProto> initializers,
        Dictionary<string, int> uses,
        Dictionary<string, NodeProto> producers,
        HashSet<string> taken)
    {
        var biasIndex = IsFloatConstant(initializers, add.Input[1]) ? 1
            : IsFloatConstant(initializers, add.Input[0]) ? 0
            : -1;
        if (biasIndex < 0 ||
            !producers.TryGetValue(add.Input[1 - biasIndex], out var matMul) ||
            matMul.OpType != "MatMul" ||
            !SingleUse(graph, uses, add.Input[1 - biasIndex]) ||
            !TryPerOutput(initializers[add.Input[biasIndex]], factor.Length, out var bias))
        {
            return false;
        }

        if (!FoldMatMul(graph, matMul, bias, factor, mean, shift, initializers, uses, taken))
        {
            return false;
        }

        // FoldMatMul with a bias rewrote the weights only; the Add gets the folded bias.
        var newBias = FoldedBias(bias, 1.0, factor, mean, shift);
        var original = initializers[add.Input[biasIndex]];
        add.Input[biasIndex] = Store(graph, original, newBias, uses, taken, "_bnfolded", [factor.Length]);
        return true;
    }

    private static bool FoldMatMul(
        GraphProto graph,
        NodeProto matMul,
        float[]? existingBias,
        double[] factor,
        float[] mean,
        float[] shift,
        Dictionary<string, TensorProto> initializers,
        Dictionary<string, int> uses,
        HashSet<string> taken)
    {
        if (!IsFloatConstant(initializers, matMul.Input[1]) ||
            initializers[matMul.Input[1]].Dims.Count != 2 ||
            initializers[matMul.Input[1]].Dims[1] != factor.Length)
        {
            return false;
        }

        var weight = initializers[matMul.Input[1]];
        var w = ScaleColumns(TensorProtos.ToArray<float>(weight), factor, transposed: false);
        matMul.Input[1] = Store(graph, weight, w, uses, taken, "_bnfolded");
        if (existingBias is not null)
        {
            return true;
        }

        // No bias yet: the folded shift needs an Add after the MatMul, which takes over the MatMul's output name.
        var newBias = FoldedBias(new float[factor.Length], 1.0, factor, mean, shift);
        var biasName = GraphEdit.FreshName(taken, matMul.Input[1] + "_bias");
        graph.Initializer.Add(TensorProtos.FromFloats(biasName, [factor.Length], newBias));
        var product = GraphEdit.FreshName(taken, matMul.Output[0] + "_product");
        var add = new NodeProto { OpType = "Add", Name = GraphEdit.FreshName(taken, matMul.Name + "_bias") };
        add.Input.Add(product);
        add.Input.Add(biasName);
        add.Output.Add(matMul.Output[0]);
        matMul.Output[0] = product;
        graph.Node.Insert(graph.Node.IndexOf(matMul) + 1, add);
        return true;
    }

    private static float[] ScaleColumns(float[] w, double[] factor, bool transposed)
    {
        // transposed: [out, in], each row is an output; otherwise [in, out], each column is.
        var outputs = factor.Length;
        var inner = w.Length / outputs;
        for (var r = 0; r < inner; r++)
        {
            for (var m = 0; m < outputs; m++)
            {
                var index = transposed ? (m * inner) + r : (r * outputs) + m;
                w[index] = (float)(w[index] * factor[m]);
            }
        }

        return w;
    }

    private static float[] FoldedBias(float[] bias, double biasScale, double[] factor, float[] mean, float[] shift)
    {
        var result = new float[factor.Length];
        for (var m = 0; m < factor.Length; m++)
        {
            result[m] = (float)((((biasScale * bias[m]) - mean[m]) * factor[m]) + shift[m]);
        }

        return result;
    }

    private static bool TryPerOutput(TensorProto tensor, int outputs, out float[] values)
    {
        values = TensorProtos.ToArray<float>(tensor);
        var dims = tensor.Dims.ToArray();
        var broadcastsPerOutput = (dims.Length == 1 && dims[0] == outputs) ||
            (dims.Length == 2 && dims[0] == 1 && dims[1] == outputs);
        if (broadcastsPerOutput)
        {
            return true;
        }

        if (values.Length == 1)
        {
            values = Enumerable.Repeat(values[0], outputs).ToArray();
            return true;
        }

        return false;
    }

    /// <summary>Writes new values over a constant it alone reads, or into a new constant when others read it.</summary>
    private static string Store(
        GraphProto graph,
        TensorProto original,
        float[] values,
        Dictionary<string, int>? uses,
        HashSet<string> taken,
        string suffix,
        long[]? dims = null)
    {
        var shape = dims ?? original.Dims.ToArray();
        if (uses is not null && uses.GetValueOrDefault(original.Name) == 1 && graph.Initializer.Contains(original))
        {
            var replacement = TensorProtos.FromFloats(original.Name, shape, values);
            graph.Initializer[graph.Initializer.IndexOf(original)] = replacement;
            return original.Name;
        }

        var name = GraphEdit.FreshName(taken, original.Name + suffix);
        graph.Initializer.Add(TensorProtos.FromFloats(name, shape, values));
        return name;
    }

    private static bool IsFloatConstant(Dictionary<string, TensorProto> initializers, string name) =>
        name.Length > 0 && initializers.TryGetValue(name, out var t) && t.DataType == (int)ElementType.Float;

    private static bool SingleUse(GraphProto graph, Dictionary<string, int> uses, string name) =>
        uses.GetValueOrDefault(name) == 1 && graph.Output.All(o => o.Name != name);
}
