using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Runs a graph twice in ONNX Runtime with every intermediate tensor exposed as an output, at two different sizes of
/// each symbolic input dimension, to learn the type and shape of every tensor and which shapes are static. The
/// passes use this instead of a shape inference of their own: the runtime that will run the model is the authority.
/// </summary>
internal sealed class GraphProbe
{
    private readonly Dictionary<string, ProbedTensor> _tensors;

    private GraphProbe(Dictionary<string, ProbedTensor> tensors, IReadOnlyDictionary<string, (long First, long Second)> sizes)
    {
        _tensors = tensors;
        SymbolSizes = sizes;
    }

    /// <summary>Gets the sizes each symbolic input dimension took in the two runs.</summary>
    public IReadOnlyDictionary<string, (long First, long Second)> SymbolSizes { get; }

    /// <summary>Gets what the probe saw of a tensor, or <see langword="null"/> when it saw nothing.</summary>
    public ProbedTensor? this[string name] => _tensors.GetValueOrDefault(name);

    /// <summary>Runs the probe.</summary>
    /// <param name="model">The model; it is not changed.</param>
    /// <param name="valuesOf">The tensors whose elements should be kept.</param>
    /// <param name="seed">The seed of the random sample inputs.</param>
    /// <exception cref="ExportException">The model does not run in ONNX Runtime.</exception>
    public static GraphProbe Run(ModelProto model, IReadOnlySet<string> valuesOf, int seed = 1234)
    {
        var probeModel = model.Clone();
        var graph = probeModel.Graph;
        var existing = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var inputNames = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                if (output.Length > 0 && existing.Add(output) && !inputNames.Contains(output))
                {
                    graph.Output.Add(new ValueInfoProto { Name = output });
                }
            }
        }

        // A value_info left from an earlier version of the graph could contradict what the runtime infers now.
        graph.ValueInfo.Clear();

        var symbols = new SortedDictionary<string, (long First, long Second)>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            var shape = input.Type?.TensorType?.Shape;
            if (shape is null)
            {
                continue;
            }

            for (var d = 0; d < shape.Dim.Count; d++)
            {
                var dim = shape.Dim[d];
                if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                {
                    var symbol = dim.DimParam.Length > 0 ? dim.DimParam : $"{input.Name}:{d}";
                    if (!symbols.ContainsKey(symbol))
                    {
                        // Distinct sizes per symbol, so that an output dimension can be traced back to its symbol.
                        var k = symbols.Count;
                        symbols[symbol] = (2 + (2 * k), 3 + (3 * k) + 2);
                    }
                }
            }
        }

        var bytes = probeModel.ToByteArray();
        var first = RunOnce(bytes, graph, symbols, run: 0, valuesOf, seed);
        var second = RunOnce(bytes, graph, symbols, run: 1, valuesOf, seed + 1);
        var tensors = new Dictionary<string, ProbedTensor>(StringComparer.Ordinal);
        foreach (var (name, a) in first)
        {
            var b = second[name];
            tensors[name] = new ProbedTensor(a.Type, a.Shape, b.Shape) { Value = a.Value, SecondValue = b.Value };
        }

        return new GraphProbe(tensors, symbols);
    }

    /// <summary>
    /// Describes a tensor's shape with fixed sizes where the runs agreed and symbols where a dimension followed an
    /// input symbol; other varying dimensions are left unknown.
    /// </summary>
    public Dim[] DescribeShape(string name)
    {
        var tensor = _tensors[name];
        var dims = new Dim[tensor.Rank];
        for (var d = 0; d < dims.Length; d++)
        {
            var (a, b) = (tensor.First[d], tensor.Second[d]);
            if (a == b)
            {
                dims[d] = a;
                continue;
            }

            dims[d] = Dim.Unknown;
            foreach (var (symbol, sizes) in SymbolSizes)
            {
                if (sizes.First == a && sizes.Second == b && !symbol.Contains(':', StringComparison.Ordinal))
                {
                    dims[d] = symbol;
                    break;
                }
            }
        }

        return dims;
    }

    private static Dictionary<string, (ElementType Type, long[] Shape, TensorProto? Value)> RunOnce(
        byte[] modelBytes,
        GraphProto graph,
        SortedDictionary<string, (long First, long Second)> symbols,
        int run,
        IReadOnlySet<string> valuesOf,
        int seed)
    {
        var random = new Random(seed);
        var initializers = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
        var feeds = new List<OrtValue>();
        var feedNames = new List<string>();
        try
        {
            foreach (var input in graph.Input)
            {
                if (initializers.Contains(input.Name))
                {
                    continue;
                }

                var shape = input.Type.TensorType.Shape.Dim.Select((dim, d) =>
                    dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
                        ? dim.DimValue
                        : Pick(symbols[dim.DimParam.Length > 0 ? dim.DimParam : $"{input.Name}:{d}"], run)).ToArray();
                feeds.Add(SampleInputs.Create((ElementType)input.Type.TensorType.ElemType, shape, random));
                feedNames.Add(input.Name);
            }

            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = CreateSession(modelBytes, options, graph.Name);
            var outputNames = graph.Output.Select(o => o.Name).ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, feedNames, feeds, outputNames);
            var seen = new Dictionary<string, (ElementType, long[], TensorProto?)>(StringComparer.Ordinal);
            for (var i = 0; i < outputNames.Length; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                var type = ToElementType(info.ElementDataType);
                TensorProto? value = null;
                if (valuesOf.Contains(outputNames[i]))
                {
                    value = ToTensorProto(outputNames[i], type, info.Shape, results[i]);
                }

                seen[outputNames[i]] = (type, info.Shape, value);
            }

            for (var i = 0; i < feedNames.Count; i++)
            {
                var info = feeds[i].GetTensorTypeAndShape();
                seen[feedNames[i]] = (ToElementType(info.ElementDataType), info.Shape, null);
            }

            return seen;
        }
        finally
        {
            foreach (var feed in feeds)
            {
                feed.Dispose();
            }
        }
    }

    private static long Pick((long First, long Second) sizes, int run) => run == 0 ? sizes.First : sizes.Second;

    private static InferenceSession CreateSession(byte[] bytes, SessionOptions options, string graphName)
    {
        try
        {
            return new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ExportException(
                $"ONNX Runtime rejected graph '{graphName}' while probing its shapes: {ex.Message}", ex);
        }
    }

    private static TensorProto ToTensorProto(string name, ElementType type, long[] shape, OrtValue value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(shape);
        if (type == ElementType.String)
        {
            foreach (var s in value.GetStringTensorAsArray())
            {
                tensor.StringData.Add(ByteString.CopyFromUtf8(s));
            }

            return tensor;
        }

        var raw = value.GetTensorMutableRawData();
        tensor.RawData = ByteString.CopyFrom(raw);
        return tensor;
    }

    private static ElementType ToElementType(TensorElementType type) => type switch
    {
        TensorElementType.Float => ElementType.Float,
        TensorElementType.UInt8 => ElementType.UInt8,
        TensorElementType.Int8 => ElementType.Int8,
        TensorElementType.UInt16 => ElementType.UInt16,
        TensorElementType.Int16 => ElementType.Int16,
        TensorElementType.Int32 => ElementType.Int32,
        TensorElementType.Int64 => ElementType.Int64,
        TensorElementType.String => ElementType.String,
        TensorElementType.Bool => ElementType.Bool,
        TensorElementType.Float16 => ElementType.Float16,
        TensorElementType.Double => ElementType.Double,
        TensorElementType.UInt32 => ElementType.UInt32,
        TensorElementType.UInt64 => ElementType.UInt64,
        TensorElementType.BFloat16 => ElementType.BFloat16,
        _ => ElementType.Undefined,
    };
}
