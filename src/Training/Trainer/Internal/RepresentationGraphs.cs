using MtlOnnx.Onnx;
using MtlOnnx.Training.Architectures;
using MtlOnnx.Training.Autodiff;
using MtlOnnx.Training.Optimizers;

namespace MtlOnnx.Training.Trainer.Internal;

/// <summary>
/// The two graphs of a representation-level step, cut from one differentiated graph so that the forward pass runs
/// once: the first runs the forward pass, the task heads' backward passes (each task's gradient with respect to the
/// shared representation, and each loss's gradient of every parameter above it) and outputs the activations the
/// trunk's backward pass reads; the second runs only the trunk's backward pass, from those activations and the
/// aggregated update given at the representation.
/// </summary>
/// <remarks>
/// The differentiated graph is the training graph plus the scalar <c>Σ representation · U</c> (U an input) as one
/// more loss. With constant loss weights 0 for the tasks, the regularizers' own weights and 1 for that scalar, the
/// weighted-sum gradient of the trunk's parameters is the backward pass of U (plus the regularizers), while the
/// parameters above the representation get one unweighted gradient per loss. Every node that reads U, directly or
/// not, belongs to the second graph; everything else to the first.
/// </remarks>
internal sealed class RepresentationGraphs
{
    private RepresentationGraphs(GradientResult gradients, GraphSplit split, int[] trunk, int[] side,
        IReadOnlyList<string> losses)
    {
        Gradients = gradients;
        Split = split;
        TrunkParameters = trunk;
        SideParameters = side;
        SideLosses = losses;
    }

    /// <summary>Gets the differentiated graph, whose output names both parts use.</summary>
    public GradientResult Gradients { get; }

    /// <summary>Gets the two parts.</summary>
    public GraphSplit Split { get; }

    /// <summary>Gets the layout indices of the shared parameters below the representation.</summary>
    public int[] TrunkParameters { get; }

    /// <summary>Gets the layout indices of the other trainable parameters (task heads, sharing layers).</summary>
    public int[] SideParameters { get; }

    /// <summary>Gets the losses whose own gradients the side parameters receive: tasks, then regularizers.</summary>
    public IReadOnlyList<string> SideLosses { get; }

    /// <summary>Builds the graphs for a model.</summary>
    /// <param name="model">The multi-task model.</param>
    /// <param name="training">The training-mode forward graph with parameters as inputs.</param>
    /// <param name="layout">The layout of the trainable parameters.</param>
    /// <param name="regularizerWeights">The regularizers' weights.</param>
    /// <param name="width">The per-sample width of the representation.</param>
    /// <returns>The graphs.</returns>
    public static RepresentationGraphs Create(MultiTaskModel model, ModelProto training, ParameterLayout layout,
        IReadOnlyList<float> regularizerWeights, long width)
    {
        var below = Ancestors(training.Graph, model.RepresentationName);
        var shared = model.Parameters.Where(p => p.IsShared).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var trunk = Enumerable.Range(0, layout.Count)
            .Where(i => shared.Contains(layout.Parameters[i].Name) && below.Contains(layout.Parameters[i].Name))
            .ToArray();
        var side = Enumerable.Range(0, layout.Count).Except(trunk).ToArray();
        var (withLoss, updateLoss) = TrainingGraphs.WithRepresentationLoss(training, model, width);
        string[] losses = [.. model.LossNames];
        var taskCount = model.Tasks.Count;
        var gradients = Autodiff.Autodiff.Differentiate(withLoss, new GradientRequest
        {
            Losses = [.. losses, updateLoss],
            LossWeights = [.. Enumerable.Repeat(0f, taskCount), .. regularizerWeights, 1f],
            WithRespectTo = [.. trunk.Select(i => layout.Parameters[i].Name)],
            PerLossWithRespectTo = [model.RepresentationName, .. side.Select(i => layout.Parameters[i].Name)],
        });

        List<string> first = [.. losses, .. gradients.RunningStatisticOutputs.Values];
        foreach (var loss in losses)
        {
            var perLoss = gradients.PerLossGradientOutputs[loss];
            first.AddRange(side.Select(i => perLoss[layout.Parameters[i].Name]));
        }

        first.AddRange(model.Tasks.Select(t => gradients.PerLossGradientOutputs[t.LossName][model.RepresentationName]));
        var split = GraphSplit.Cut(gradients.Model, [TrainingGraphs.RepresentationUpdateInput], first,
            [.. trunk.Select(i => gradients.GradientOutputs[layout.Parameters[i].Name])]);
        return new RepresentationGraphs(gradients, split, trunk, side, losses);
    }

    /// <summary>Gets the tensors (and graph inputs) a tensor is computed from, itself included.</summary>
    private static HashSet<string> Ancestors(GraphProto graph, string tensor)
    {
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                producer[output] = node;
            }
        }

        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([tensor]);
        while (pending.TryPop(out var current))
        {
            if (result.Add(current) && producer.TryGetValue(current, out var node))
            {
                foreach (var input in node.Input.Where(i => i.Length > 0))
                {
                    pending.Push(input);
                }
            }
        }

        return result;
    }
}
