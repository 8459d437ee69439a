using MtlOnnx.Export.Internal;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export;

/// <summary>
/// Builds the inference model from a trained eval graph and its parameters: one output per task with stable names,
/// parameters as initializers, dropout removed, batch normalization folded into the preceding layers, constant
/// subgraphs folded, identities and dead nodes removed, a symbolic batch dimension, and optional probabilities and
/// labels. The result uses standard <c>ai.onnx</c> operators at opset 17 and IR version 8.
/// </summary>
public static class InferenceModelBuilder
{
    /// <summary>The <c>ai.onnx</c> opset of exported models.</summary>
    public const int Opset = GraphBuilder.DefaultOpset;

    /// <summary>The IR version of exported models.</summary>
    public const int IrVersion = GraphBuilder.DefaultIrVersion;

    /// <summary>Builds the inference model.</summary>
    /// <param name="evalModel">The eval graph, with parameters as graph inputs; it is not changed.</param>
    /// <param name="parameters">The trained values, keyed by the graph input they bind.</param>
    /// <param name="options">The tasks and passes.</param>
    /// <returns>The inference model.</returns>
    /// <exception cref="ArgumentException">No task was given.</exception>
    /// <exception cref="ParameterMismatchException">A parameter is missing, unknown or of another shape or type.</exception>
    /// <exception cref="ExportException">The graph cannot be exported (see the message).</exception>
    public static InferenceModel Build(
        ModelProto evalModel,
        IReadOnlyDictionary<string, TensorProto> parameters,
        InferenceModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(evalModel);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Tasks.Count == 0)
        {
            throw new ArgumentException("At least one task must be exported.", nameof(options));
        }

        var model = evalModel.Clone();
        var graph = model.Graph ?? throw new ExportException("The eval model has no graph.");
        CheckOperators(model);
        var nodesBefore = graph.Node.Count;
        ExportLog.PassesStarting(options.Logger, graph.Name, nodesBefore);

        CheckParametersKnown(graph, parameters);
        OutputSelection.Apply(graph, options.Tasks);
        var dead = DeadCodeElimination.Apply(graph).Nodes;
        CheckInputs(graph, parameters, options.InputNames);
        var bound = ParameterBinding.Apply(graph, parameters);

        var dropouts = DropoutRemoval.Apply(graph);
        var identities = IdentityElimination.Apply(graph);
        dead += DeadCodeElimination.Apply(graph).Nodes;
        SetBatchDimension(graph, options.BatchDimension);
        Normalize(model);

        var constants = 0;
        if (options.FoldConstants)
        {
            constants = ConstantFolding.Apply(model);
            dead += DeadCodeElimination.Apply(graph).Nodes;
        }

        var batchNorms = 0;
        if (options.FoldBatchNormalization)
        {
            batchNorms = BatchNormFolding.Apply(graph, GraphProbe.Run(model, new HashSet<string>()));
            DeadCodeElimination.Apply(graph);
        }

        identities += IdentityElimination.Apply(graph);
        var outputs = PostProcessing.Apply(graph, options.Tasks, options.PostProcessing);
        GraphEdit.SortTopologically(graph);
        DeadCodeElimination.Apply(graph);
        SortInitializers(graph);
        DescribeOutputs(model);

        var report = new InferenceModelReport(
            nodesBefore, graph.Node.Count, bound, dropouts, identities, constants, batchNorms, dead);
        ExportLog.PassesDone(
            options.Logger, graph.Name, nodesBefore, graph.Node.Count, bound, dropouts, batchNorms, constants);
        return new InferenceModel(model, graph.Input.Select(i => i.Name).ToList(), outputs, report);
    }

    /// <summary>
    /// Prepares the eval graph as a reference to compare an export against: only the task outputs (under the task
    /// names) and what they need, parameters still graph inputs, nothing else changed.
    /// </summary>
    /// <param name="evalModel">The eval graph; it is not changed.</param>
    /// <param name="tasks">The tasks.</param>
    /// <returns>The pruned copy.</returns>
    internal static ModelProto PruneToTasks(ModelProto evalModel, IReadOnlyList<ExportTask> tasks)
    {
        var model = evalModel.Clone();
        OutputSelection.Apply(model.Graph, tasks);
        DeadCodeElimination.Apply(model.Graph);
        model.Graph.ValueInfo.Clear();
        return model;
    }

    private static void CheckOperators(ModelProto model)
    {
        foreach (var node in model.Graph.Node)
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                throw new ExportException(
                    $"Node '{node.Name}' ({node.OpType}) is in domain '{node.Domain}'; exported models use standard " +
                    "ai.onnx operators only.");
            }
        }

        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? Opset;
        if (opset > Opset)
        {
            throw new ExportException(
                $"The eval model imports ai.onnx opset {opset}; exported models use opset {Opset}, and operators " +
                "are not converted between opsets.");
        }
    }

    private static void CheckParametersKnown(GraphProto graph, IReadOnlyDictionary<string, TensorProto> parameters)
    {
        var inputs = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        var unknown = parameters.Keys.Where(k => !inputs.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new ParameterMismatchException(
                $"The checkpoint holds {unknown.Count} parameter(s) that graph '{graph.Name}' has no input for: " +
                $"{string.Join(", ", unknown.Take(5).Select(n => $"'{n}'"))}. The checkpoint belongs to another model.");
        }
    }

    private static void CheckInputs(
        GraphProto graph,
        IReadOnlyDictionary<string, TensorProto> parameters,
        IReadOnlyList<string>? inputNames)
    {
        if (inputNames is null)
        {
            return;
        }

        var data = new HashSet<string>(inputNames, StringComparer.Ordinal);
        var initializers = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            if (!data.Contains(input.Name) && !parameters.ContainsKey(input.Name) && !initializers.Contains(input.Name))
            {
                throw new ParameterMismatchException(
                    $"Graph input '{input.Name}' is a parameter the task outputs need, but the checkpoint has no " +
                    "value for it.");
            }
        }

        foreach (var name in inputNames)
        {
            if (graph.Input.All(i => i.Name != name))
            {
                throw new ExportException(
                    $"Data input '{name}' is not an input that the task outputs of graph '{graph.Name}' read.");
            }
        }
    }

    private static void SetBatchDimension(GraphProto graph, string batch)
    {
        foreach (var input in graph.Input)
        {
            var shape = input.Type?.TensorType?.Shape;
            if (shape is null || shape.Dim.Count == 0)
            {
                throw new ExportException(
                    $"Input '{input.Name}' has no shape, or is a scalar; data inputs need a leading batch dimension.");
            }

            shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = batch };
        }
    }

    private static void Normalize(ModelProto model)
    {
        model.IrVersion = IrVersion;
        model.OpsetImport.Clear();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        model.Graph.ValueInfo.Clear();
        model.DocString = string.Empty;
        model.TrainingInfo.Clear();
        model.MetadataProps.Clear();
    }

    private static void SortInitializers(GraphProto graph)
    {
        var sorted = graph.Initializer.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(sorted);
    }

    private static void DescribeOutputs(ModelProto model)
    {
        var probe = GraphProbe.Run(model, new HashSet<string>());
        var outputs = model.Graph.Output.Select(o => o.Name).ToList();
        model.Graph.Output.Clear();
        foreach (var name in outputs)
        {
            var tensor = probe[name] ?? throw new ExportException($"Output '{name}' was not computed by the probe run.");
            model.Graph.Output.Add(ValueInfos.Tensor(name, tensor.Type, probe.DescribeShape(name)));
        }
    }
}
