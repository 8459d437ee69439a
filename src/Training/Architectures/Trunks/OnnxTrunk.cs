using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Layers;

namespace MtlOnnx.Training.Architectures.Trunks;

/// <summary>
/// A trunk imported from an ONNX file (for example one written by <c>torch.onnx.export</c>), cut at a named feature
/// tensor. The nodes that feed the feature are copied under the <c>trunk.</c> prefix; float initializers become
/// trainable parameters, except batch-normalisation statistics, which stay fixed buffers.
/// </summary>
public static class OnnxTrunk
{
    /// <summary>The lowest opset an imported graph may use.</summary>
    public const int MinimumOpset = 13;

    /// <summary>The highest opset an imported graph may use.</summary>
    public const int MaximumOpset = 21;

    /// <summary>Loads an ONNX file and checks that it can serve as a trunk.</summary>
    /// <param name="path">The file.</param>
    /// <param name="featureOutput">The tensor that holds the features.</param>
    /// <returns>The model.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is not a usable ONNX model, or has no such tensor.</exception>
    public static ModelProto Load(string path, string featureOutput)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(featureOutput);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The trunk model '{path}' does not exist.", path);
        }

        var model = OnnxModelIO.Load(path);
        var opset = Opset(model);
        if (opset is < MinimumOpset or > MaximumOpset)
        {
            throw new ModelFormatException(
                $"Trunk model '{path}' uses ai.onnx opset {opset}; imported trunks must use opset {MinimumOpset} to {MaximumOpset}.");
        }

        var produced = model.Graph.Node.SelectMany(n => n.Output).Concat(model.Graph.Input.Select(i => i.Name));
        if (!produced.Contains(featureOutput, StringComparer.Ordinal))
        {
            var outputs = string.Join(", ", model.Graph.Output.Select(o => o.Name));
            throw new ModelFormatException(
                $"Trunk model '{path}' has no tensor named '{featureOutput}'. Its graph outputs are: {outputs}.");
        }

        return model;
    }

    /// <summary>Gets the <c>ai.onnx</c> opset a model imports.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The opset version.</returns>
    public static int Opset(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (int)(model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0);
    }

    /// <summary>Copies the imported graph up to its feature tensor into the network.</summary>
    /// <param name="scope">The trunk's scope; its prefix becomes the copied names' prefix.</param>
    /// <param name="x">The model input the imported graph reads.</param>
    /// <param name="model">The imported model, from <see cref="Load"/>.</param>
    /// <param name="featureOutput">The feature tensor.</param>
    /// <param name="inputName">The imported graph's input to bind, or <see langword="null"/> for its first data input.</param>
    /// <returns>The features, flattened to [F] per sample.</returns>
    /// <exception cref="ModelFormatException">The imported graph's input cannot be found or the features cannot be computed.</exception>
    public static Activation Build(
        NetworkScope scope,
        Activation x,
        ModelProto model,
        string featureOutput,
        string? inputName)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(model);
        var source = model.Graph;
        var initializerNames = source.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var dataInputs = source.Input.Where(i => !initializerNames.Contains(i.Name)).ToList();
        var input = inputName is null
            ? dataInputs.FirstOrDefault()
            : dataInputs.FirstOrDefault(i => i.Name == inputName);
        if (input is null)
        {
            throw new ModelFormatException(
                $"The trunk model has no data input named '{inputName ?? "(any)"}'. " +
                $"Its data inputs are: {string.Join(", ", dataInputs.Select(i => i.Name))}.");
        }

        var featureShape = MeasureFeatureShape(model, input.Name, featureOutput, x.Shape);
        var pruned = Prune(source, input, featureOutput);

        var g = scope.Graph;
        var before = g.Graph.Initializer.Count;
        var prefix = scope.Prefix;
        var features = g.Inline(pruned, [x.Value], prefix)[0];
        RegisterParameters(scope, pruned, g.Graph.Initializer.Skip(before).ToList());

        var flat = featureShape.Count == 1 ? features : g.Node("Flatten", [features], Attr.Int("axis", 1));
        return Activation.Of(flat, featureShape.Aggregate(1L, (a, d) => a * d));
    }

    private static GraphProto Prune(GraphProto source, ValueInfoProto input, string featureOutput)
    {
        // Walk back from the feature tensor so that the imported model's own head (and anything after the cut)
        // is left out of the trunk.
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in source.Node)
        {
            foreach (var output in node.Output)
            {
                producer[output] = node;
            }
        }

        var needed = new HashSet<NodeProto>();
        var pending = new Stack<string>([featureOutput]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (!seen.Add(name) || !producer.TryGetValue(name, out var node) || !needed.Add(node))
            {
                continue;
            }

            foreach (var i in node.Input.Where(n => n.Length > 0))
            {
                pending.Push(i);
            }
        }

        var pruned = new GraphProto { Name = source.Name };
        pruned.Input.Add(input.Clone());
        pruned.Output.Add(new ValueInfoProto { Name = featureOutput });
        pruned.Node.AddRange(source.Node.Where(needed.Contains).Select(n => n.Clone()));
        var used = pruned.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        pruned.Initializer.AddRange(source.Initializer.Where(i => used.Contains(i.Name)).Select(i => i.Clone()));
        return pruned;
    }

    private static void RegisterParameters(NetworkScope scope, GraphProto pruned, List<TensorProto> copied)
    {
        // Batch-norm statistics of an exported (inference-mode) graph are not trained.
        var roles = new Dictionary<string, ParameterRole>(StringComparer.Ordinal);
        foreach (var node in pruned.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            for (var i = 1; i < node.Input.Count; i++)
            {
                roles[node.Input[i]] = i <= 2 ? ParameterRole.Norm : ParameterRole.Buffer;
            }
        }

        for (var i = 0; i < pruned.Initializer.Count; i++)
        {
            var original = pruned.Initializer[i];
            var tensor = copied[i];
            if (original.DataType != (int)ElementType.Float || original.Dims.Count == 0)
            {
                continue;
            }

            var role = roles.TryGetValue(original.Name, out var r)
                ? r
                : original.Dims.Count == 1 ? ParameterRole.Bias : ParameterRole.Weight;
            scope.Network.Register(new ParameterInfo(tensor.Name, tensor.Dims.ToArray(), role, scope.Owner));
        }
    }

    private static List<long> MeasureFeatureShape(
        ModelProto model,
        string inputName,
        string featureOutput,
        IReadOnlyList<long> sampleShape)
    {
        // Shapes in exported files are often missing or symbolic; running one zero sample is the reliable answer.
        var probe = model.Clone();
        probe.Graph.Output.Clear();
        probe.Graph.Output.Add(new ValueInfoProto { Name = featureOutput });
        var shape = new long[sampleShape.Count + 1];
        shape[0] = 1;
        for (var i = 0; i < sampleShape.Count; i++)
        {
            shape[i + 1] = sampleShape[i];
        }

        try
        {
            using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(OnnxModelIO.ToBytes(probe), options);
            var data = new float[TensorProtos.ElementCount(shape)];
            using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [inputName], [value], [featureOutput]);
            var dims = outputs[0].GetTensorTypeAndShape().Shape;
            return dims.Skip(1).ToList();
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelFormatException(
                $"The trunk model could not compute '{featureOutput}' for an input of shape [{string.Join(", ", shape)}]: {ex.Message}",
                ex);
        }
    }
}
