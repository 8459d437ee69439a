using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Internal;

/// <summary>
/// Replaces a graph's outputs (task outputs, losses, metrics) by one output per task, named after the task.
/// </summary>
internal static class OutputSelection
{
    /// <summary>Applies the pass.</summary>
    /// <exception cref="ExportException">A task's tensor is missing, or a task name is already an input's.</exception>
    public static void Apply(GraphProto graph, IReadOnlyList<ExportTask> tasks)
    {
        var producers = GraphEdit.Producers(graph);
        var inputs = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        var taken = GraphEdit.TakenNames(graph);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            if (!seen.Add(task.Name))
            {
                throw new ExportException($"Task '{task.Name}' is listed twice; task names must be unique.");
            }

            if (!producers.ContainsKey(task.SourceOutput) && !inputs.Contains(task.SourceOutput))
            {
                var known = string.Join(", ", graph.Output.Select(o => $"'{o.Name}'"));
                throw new ExportException(
                    $"Task '{task.Name}' reads tensor '{task.SourceOutput}', which graph '{graph.Name}' does not " +
                    $"compute. The graph's outputs are {known}.");
            }

            if (inputs.Contains(task.Name))
            {
                throw new ExportException(
                    $"Task '{task.Name}' cannot be exported under its name: graph '{graph.Name}' has an input of " +
                    "that name.");
            }
        }

        graph.Output.Clear();
        foreach (var task in tasks)
        {
            if (task.SourceOutput != task.Name && producers.TryGetValue(task.Name, out var clash))
            {
                // An internal tensor already has the task's name: move it aside so the output can take the name.
                GraphEdit.RenameProduced(graph, clash, task.Name, GraphEdit.FreshName(taken, task.Name + "_inner"));
            }

            if (task.SourceOutput != task.Name)
            {
                var identity = new NodeProto
                {
                    OpType = "Identity",
                    Name = GraphEdit.FreshName(taken, task.Name + "_output"),
                };
                identity.Input.Add(task.SourceOutput);
                identity.Output.Add(task.Name);
                graph.Node.Add(identity);
            }

            graph.Output.Add(new ValueInfoProto { Name = task.Name });
        }
    }
}
