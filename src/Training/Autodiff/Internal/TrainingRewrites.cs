using Microsoft.Extensions.Logging;
using MtlOnnx.Onnx;

namespace MtlOnnx.Training.Autodiff.Internal;

/// <summary>
/// Rewrites training-mode forward nodes before differentiation: <c>BatchNormalization</c> becomes batch statistics
/// built from primitives with the running statistics as extra outputs (the runtime's training kernels differ
/// between CPU and CUDA), and <c>Dropout</c> can take its mask from a graph input.
/// </summary>
internal static class TrainingRewrites
{
    public static void Apply(
        GraphEmitter emitter,
        GradientRequest request,
        GraphProto graph,
        Dictionary<string, string> runningStatistics,
        Dictionary<string, string> maskInputs,
        ILogger logger)
    {
        var rewritten = new List<NodeProto>(emitter.Forward.Count);
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in emitter.Forward)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (renames.TryGetValue(node.Input[i], out var to))
                {
                    node.Input[i] = to;
                }
            }

            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                rewritten.Add(node);
                continue;
            }

            emitter.Hint = node.Name.Length > 0 ? node.Name : node.Output[0];
            if (node.OpType == "BatchNormalization" && IsTrainingBatchNorm(node, emitter.Opset, request))
            {
                AutodiffLog.BatchNormRewritten(logger, emitter.Hint);
                RewriteBatchNorm(emitter, node, graph, rewritten, runningStatistics);
            }
            else if (node.OpType == "Dropout")
            {
                RewriteDropout(emitter, request, node, graph, rewritten, maskInputs, renames);
            }
            else
            {
                rewritten.Add(node);
            }
        }

        foreach (var output in graph.Output)
        {
            if (renames.TryGetValue(output.Name, out var to))
            {
                output.Name = to;
            }
        }

        emitter.Forward.Clear();
        emitter.Forward.AddRange(rewritten);
    }

    private static bool IsTrainingBatchNorm(NodeProto node, int opset, GradientRequest request) =>
        request.ForceTrainingMode ||
        (opset >= 14 ? NodeAttributes.GetInt(node, "training_mode", 0) != 0 : node.Output.Count(o => o.Length > 0) > 1);

    private static void RewriteBatchNorm(
        GraphEmitter e,
        NodeProto node,
        GraphProto graph,
        List<NodeProto> nodes,
        Dictionary<string, string> runningStatistics)
    {
        var x = node.Input[0];
        var rank = e.Shapes.GetShape(x)?.Count ?? throw new GradientNotDefinedException(
            $"Node '{node.Name}' (BatchNormalization): the rank of input '{x}' is unknown, so its training " +
            "statistics cannot be built.");
        var epsilon = NodeAttributes.GetFloat(node, "epsilon", 1e-5f);
        var momentum = NodeAttributes.GetFloat(node, "momentum", 0.9f);
        var type = e.Shapes.GetElementType(x) is var t && t != ElementType.Undefined ? t : ElementType.Float;
        long[] axes = [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];

        string Add(string op, IReadOnlyList<string> inputs, string? output = null, params AttributeProto[] attributes)
        {
            var created = e.CreateForwardNode(op, inputs, [output], attributes);
            nodes.Add(created);
            return created.Output[0];
        }

        string ReduceMean(string input) => e.Opset >= 18
            ? Add("ReduceMean", [input, e.Int64s(axes)], null, Attr.Int("keepdims", 1))
            : Add("ReduceMean", [input], null, Attr.Ints("axes", axes), Attr.Int("keepdims", 1));

        var mean = ReduceMean(x);
        var centered = Add("Sub", [x, mean]);
        var variance = ReduceMean(Add("Mul", [centered, centered]));
        var invStd = Add("Reciprocal", [Add("Sqrt", [Add("Add", [variance, e.Scalar(epsilon, type)])])]);
        var normalized = Add("Mul", [centered, invStd]);
        var axesInput = e.Int64s(axes);
        var scale = Add("Unsqueeze", [node.Input[1], axesInput]);
        var bias = Add("Unsqueeze", [node.Input[2], axesInput]);
        Add("Add", [Add("Mul", [normalized, scale]), bias], node.Output[0]);

        UpdateRunning(node, 3, 1, mean);
        UpdateRunning(node, 4, 2, variance);

        void UpdateRunning(NodeProto bn, int inputIndex, int outputIndex, string batchValue)
        {
            if (inputIndex >= bn.Input.Count || bn.Input[inputIndex].Length == 0)
            {
                return;
            }

            var running = bn.Input[inputIndex];
            var name = outputIndex < bn.Output.Count && bn.Output[outputIndex].Length > 0
                ? bn.Output[outputIndex]
                : e.Builder.UniqueName($"{running}_new");
            var perChannel = Add("Squeeze", [batchValue, axesInput]);
            var kept = Add("Mul", [running, e.Scalar(momentum, type)]);
            var added = Add("Mul", [perChannel, e.Scalar(1 - momentum, type)]);
            Add("Add", [kept, added], name);
            runningStatistics[running] = name;
            if (!graph.Output.Any(o => o.Name == name))
            {
                graph.Output.Add(ValueInfos.Tensor(name, type, e.Shapes.GetShape(running)));
            }
        }
    }

    private static void RewriteDropout(
        GraphEmitter e,
        GradientRequest request,
        NodeProto node,
        GraphProto graph,
        List<NodeProto> nodes,
        Dictionary<string, string> maskInputs,
        Dictionary<string, string> renames)
    {
        var trainingInput = node.Input.Count > 2 ? node.Input[2] : string.Empty;
        var declared = trainingInput.Length == 0
            ? false
            : e.Shapes.GetInt64Values(trainingInput) is [var flag] ? flag != 0 : (bool?)null;
        var training = request.ForceTrainingMode || declared == true;
        if (!training)
        {
            // Inference mode, or a mode chosen at run time: the Dropout rule handles both.
            nodes.Add(node);
            return;
        }

        var x = node.Input[0];
        var ratio = node.Input.Count > 1 ? node.Input[1] : string.Empty;
        var type = e.Shapes.GetElementType(x) is var t && t != ElementType.Undefined ? t : ElementType.Float;
        if (!request.FeedDropoutMasks)
        {
            if (declared != true)
            {
                while (node.Input.Count < 3)
                {
                    node.Input.Add(string.Empty);
                }

                node.Input[2] = e.Constant(TrueScalar(), "training_mode");
            }

            nodes.Add(node);
            return;
        }

        var output = node.Output[0];
        var maskName = e.Builder.UniqueName($"{output}_mask");
        graph.Input.Add(ValueInfos.Tensor(maskName, ElementType.Bool, e.Shapes.GetShape(x)));
        e.Shapes.SetTensor(maskName, ElementType.Bool, e.Shapes.GetShape(x));
        maskInputs[node.Name.Length > 0 ? node.Name : output] = maskName;

        string Add(string op, IReadOnlyList<string> inputs, string? name = null, params AttributeProto[] attributes)
        {
            var created = e.CreateForwardNode(op, inputs, [name], attributes);
            nodes.Add(created);
            return created.Output[0];
        }

        string scale;
        var known = ratio.Length == 0 ? [0.5] : e.Shapes.GetDoubleValues(ratio);
        if (known is [var r])
        {
            scale = e.Scalar(r >= 1 ? 0 : 1 / (1 - r), type);
        }
        else
        {
            scale = Add("Div", [e.Scalar(1, type), Add("Sub", [e.Scalar(1, type), ratio])]);
        }

        var keep = Add("Mul", [Add("Cast", [maskName], null, Attr.Int("to", (long)type)), scale]);
        Add("Mul", [x, keep], output);
        if (node.Output.Count > 1 && node.Output[1].Length > 0)
        {
            renames[node.Output[1]] = maskName;
        }
    }

    /// <summary>Creates a boolean <c>true</c> (TensorProtos.Create sizes bool by its marshalled size, 4).</summary>
    private static TensorProto TrueScalar() => new()
    {
        DataType = (int)ElementType.Bool,
        RawData = Google.Protobuf.ByteString.CopyFrom(1),
    };
}
