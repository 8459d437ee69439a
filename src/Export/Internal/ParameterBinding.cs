using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Turns the graph inputs that are trained parameters into initializers holding the checkpoint's values, checking
/// each value's type and shape against the input's declaration.
/// </summary>
internal static class ParameterBinding
{
    /// <summary>Applies the pass and returns the number of parameters bound.</summary>
    /// <exception cref="ParameterMismatchException">A value's type or shape differs from its input's.</exception>
    public static int Apply(GraphProto graph, IReadOnlyDictionary<string, TensorProto> parameters)
    {
        var bound = 0;
        var existing = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
        for (var i = graph.Input.Count - 1; i >= 0; i--)
        {
            var input = graph.Input[i];
            if (!parameters.TryGetValue(input.Name, out var value))
            {
                continue;
            }

            Check(input, value);
            graph.Input.RemoveAt(i);
            var initializer = value.Clone();
            initializer.Name = input.Name;
            if (existing.Contains(input.Name))
            {
                // An initializer that was also an input held a default; the checkpoint's value replaces it.
                graph.Initializer.Remove(graph.Initializer.First(t => t.Name == input.Name));
            }

            graph.Initializer.Add(initializer);
            bound++;
        }

        // Keep initializers in a stable order (by name) so that the same checkpoint serializes the same way.
        var sorted = graph.Initializer.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(sorted);
        return bound;
    }

    private static void Check(ValueInfoProto input, TensorProto value)
    {
        var expectedType = ValueInfos.GetElementType(input);
        if (expectedType != ElementType.Undefined && (int)expectedType != value.DataType)
        {
            throw new ParameterMismatchException(
                $"Parameter '{input.Name}' has type {ElementTypes.Name((ElementType)value.DataType)} in the " +
                $"checkpoint, but the graph declares {ElementTypes.Name(expectedType)}.");
        }

        var expected = ValueInfos.GetShape(input);
        if (expected is null)
        {
            return;
        }

        var matches = expected.Length == value.Dims.Count;
        for (var d = 0; matches && d < expected.Length; d++)
        {
            matches = expected[d].Value is not { } size || size == value.Dims[d];
        }

        if (!matches)
        {
            throw new ParameterMismatchException(
                $"Parameter '{input.Name}' has shape [{string.Join(", ", value.Dims)}] in the checkpoint, but the " +
                $"graph declares [{string.Join(", ", expected)}].");
        }
    }
}
