using MtlOnnx.Onnx;

namespace MtlOnnx.Cli.Inspection;

/// <summary>The facts that <c>mtlonnx inspect</c> reports about a model.</summary>
internal sealed record ModelSummary
{
    public required string File { get; init; }

    public required long IrVersion { get; init; }

    public required string Producer { get; init; }

    public required IReadOnlyList<(string Domain, long Version)> Opsets { get; init; }

    public required IReadOnlyList<TensorSummary> Inputs { get; init; }

    public required IReadOnlyList<TensorSummary> Outputs { get; init; }

    public required int NodeCount { get; init; }

    /// <summary>Gets the operator histogram, most frequent first, then by name.</summary>
    public required IReadOnlyList<(string Operator, int Count)> Operators { get; init; }

    public required int InitializerCount { get; init; }

    public required long ParameterCount { get; init; }

    public required long ParameterBytes { get; init; }

    /// <summary>Gets the number of <c>Constant</c> nodes, which exporters also use for weights.</summary>
    public required int ConstantCount { get; init; }

    public required long ConstantElements { get; init; }

    public required IReadOnlyList<(string Key, string Value)> Metadata { get; init; }

    /// <summary>Summarizes a loaded model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="file">The file name to show.</param>
    /// <returns>The summary.</returns>
    public static ModelSummary From(ModelProto model, string file)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        long count = 0;
        long bytes = 0;
        foreach (var tensor in graph.Initializer)
        {
            var elements = TensorProtos.ElementCount(tensor.Dims.ToArray());
            count += elements;
            var type = (ElementType)tensor.DataType;
            bytes += type is ElementType.String or ElementType.Undefined || !Enum.IsDefined(type)
                ? tensor.RawData.Length
                : elements * ElementTypes.SizeOf(type);
        }

        var constants = graph.Node.Where(n => n.OpType == "Constant" && n.Domain is "" or "ai.onnx").ToList();
        var constantElements = constants
            .Select(n => n.Attribute.FirstOrDefault(a => a.Name == "value")?.T)
            .Sum(t => t is null ? 1 : TensorProtos.ElementCount(t.Dims.ToArray()));
        return new ModelSummary
        {
            File = file,
            IrVersion = model.IrVersion,
            Producer = $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            Opsets = model.OpsetImport
                .Select(o => (o.Domain is "" ? "ai.onnx" : o.Domain, o.Version))
                .OrderBy(o => o.Item1, StringComparer.Ordinal)
                .ToList(),

            // Before IR 4, initializers were listed as inputs too; they are parameters, not inputs.
            Inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).Select(TensorSummary.From).ToList(),
            Outputs = graph.Output.Select(TensorSummary.From).ToList(),
            NodeCount = graph.Node.Count,
            Operators = graph.Node
                .GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}", StringComparer.Ordinal)
                .Select(g => (g.Key, g.Count()))
                .OrderByDescending(p => p.Item2)
                .ThenBy(p => p.Key, StringComparer.Ordinal)
                .ToList(),
            InitializerCount = graph.Initializer.Count,
            ParameterCount = count,
            ParameterBytes = bytes,
            ConstantCount = constants.Count,
            ConstantElements = constantElements,
            Metadata = model.MetadataProps.Select(p => (p.Key, p.Value)).ToList(),
        };
    }
}
