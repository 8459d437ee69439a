namespace MtlOnnx.Onnx;

/// <summary>
/// Enumerates the names a graph uses, so that new names never collide with them.
/// </summary>
internal static class GraphNames
{
    /// <summary>Gets every tensor and node name of a graph, its subgraphs included.</summary>
    /// <param name="graph">The graph.</param>
    /// <returns>The names, possibly with repeats.</returns>
    public static IEnumerable<string> AllNames(GraphProto graph)
    {
        foreach (var input in graph.Input)
        {
            yield return input.Name;
        }

        foreach (var initializer in graph.Initializer)
        {
            yield return initializer.Name;
        }

        foreach (var node in graph.Node)
        {
            if (node.Name.Length > 0)
            {
                yield return node.Name;
            }

            foreach (var output in node.Output)
            {
                if (output.Length > 0)
                {
                    yield return output;
                }
            }

            foreach (var attribute in node.Attribute)
            {
                var subgraphs = attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G);
                foreach (var subgraph in subgraphs)
                {
                    foreach (var name in AllNames(subgraph))
                    {
                        yield return name;
                    }
                }
            }
        }
    }
}
