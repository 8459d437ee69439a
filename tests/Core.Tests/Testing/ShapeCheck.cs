using MtlOnnx.Onnx;

namespace MtlOnnx.Core.Tests.Testing;

/// <summary>
/// Compares what <see cref="ShapeInference"/> claims about every node output of a model with what ONNX Runtime
/// actually produces, by exposing all node outputs as graph outputs and running the model once.
/// </summary>
internal static class ShapeCheck
{
    /// <summary>Asserts that every node output's inferred type and shape match ORT's.</summary>
    /// <param name="model">The model; not changed.</param>
    /// <param name="inputs">Concrete inputs.</param>
    /// <param name="symbols">The value each symbolic dimension takes in this run.</param>
    /// <param name="allowUnknown">Names whose shape may legitimately stay partly unknown.</param>
    /// <returns>The number of values compared.</returns>
    public static int AssertMatchesOrt(
        ModelProto model,
        IReadOnlyDictionary<string, Ort.Tensor> inputs,
        IReadOnlyDictionary<string, long> symbols,
        IReadOnlySet<string>? allowUnknown = null)
    {
        var result = ShapeInference.Infer(model.Clone(), updateValueInfo: false);
        var probe = model.Clone();
        var declared = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var node in probe.Graph.Node)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                names.Add(output);
                if (declared.Add(output))
                {
                    // Declare the type only, so that ORT never takes a shape from the inference under test.
                    Assert.True(result.TryGetElementType(output, out var type), $"No element type inferred for '{output}'.");
                    probe.Graph.Output.Add(ValueInfos.Tensor(output, type, null));
                }
            }
        }

        var actual = Ort.Shapes(OnnxModelIO.ToBytes(probe), inputs, names);
        foreach (var name in names)
        {
            var (type, shape) = actual[name];
            Assert.True(result.TryGetElementType(name, out var inferredType), $"No element type for '{name}'.");
            Assert.Equal((name, type), (name, inferredType));
            Assert.True(result.TryGetShape(name, out var dims), $"No shape for '{name}' (ORT: [{string.Join(", ", shape)}]).");
            var where = $"'{name}': inferred {result.Describe(name)}, ORT [{string.Join(", ", shape)}]";
            Assert.True(dims.Count == shape.Length, $"Rank differs for {where}.");
            for (var i = 0; i < shape.Length; i++)
            {
                var dim = dims[i];
                if (dim.Value is { } fixedSize)
                {
                    Assert.True(fixedSize == shape[i], $"Dimension {i} differs for {where}.");
                }
                else if (dim.Param is { } symbol)
                {
                    var size = Evaluate(symbol, symbols, where);
                    Assert.True(size == shape[i], $"Symbol '{symbol}' at dimension {i} is {size} in this run, for {where}.");
                }
                else
                {
                    Assert.True(allowUnknown?.Contains(name) == true, $"Dimension {i} is unknown for {where}.");
                }
            }
        }

        return names.Count;
    }

    // Symbolic dimensions are products such as "4*batch"; evaluate them with this run's symbol values.
    private static long Evaluate(string symbol, IReadOnlyDictionary<string, long> symbols, string where)
    {
        long value = 1;
        foreach (var part in symbol.Split('*'))
        {
            if (long.TryParse(part, out var number))
            {
                value *= number;
            }
            else
            {
                Assert.True(symbols.TryGetValue(part, out var size), $"Unexpected symbol '{part}' for {where}.");
                value *= size;
            }
        }

        return value;
    }
}
