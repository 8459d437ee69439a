using MtlOnnx.Onnx;
using MtlOnnx.Training.Jobs;
using MtlOnnx.Training.Layers;
using MtlOnnx.Training.Layers.Internal;

namespace MtlOnnx.Training.Architectures;

/// <summary>
/// The ways tasks share the trunk's features: each scheme turns the shared features into one feature vector per
/// task, and may add regulariser losses.
/// </summary>
public static class SharingSchemes
{
    /// <summary>Builds the scheme the architecture names.</summary>
    /// <param name="scope">The root scope of the network.</param>
    /// <param name="features">The trunk's features, [F] per sample.</param>
    /// <param name="tasks">The tasks.</param>
    /// <param name="spec">The architecture options.</param>
    /// <param name="regularizers">Receives the scheme's regulariser losses.</param>
    /// <returns>Each task's features, keyed by task name.</returns>
    public static IReadOnlyDictionary<string, Activation> Build(
        NetworkScope scope,
        Activation features,
        IReadOnlyList<TaskSpec> tasks,
        ArchitectureSpec spec,
        ICollection<RegularizerOutput> regularizers)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(regularizers);
        return spec.Kind switch
        {
            ArchitectureKind.MultiGateMixtureOfExperts => Experts(scope, features, tasks, spec, null),
            ArchitectureKind.TaskRoutedExperts => Experts(scope, features, tasks, spec, regularizers),
            ArchitectureKind.LowRankAdapters => Adapters(scope, features, tasks, spec, regularizers),
            ArchitectureKind.WinnerTakeAll => WinnerTakeAll(scope, features, tasks, spec),
            _ => tasks.ToDictionary(t => t.Name, _ => features, StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Shared experts (MLPs over the trunk's features) mixed per task by a softmax gate over the same features
    /// (multi-gate mixture of experts). With <paramref name="regularizers"/> given, it is task routing: a loss
    /// <c>mean over task pairs of Σ_e p_t,e · p_s,e</c> (averaged over the batch) pushes tasks to different experts.
    /// </summary>
    private static Dictionary<string, Activation> Experts(
        NetworkScope scope,
        Activation features,
        IReadOnlyList<TaskSpec> tasks,
        ArchitectureSpec spec,
        ICollection<RegularizerOutput>? regularizers)
    {
        var g = scope.Graph;
        var expertScope = scope.Child("experts");
        var outputs = new GraphValue[spec.Experts];
        long width = 0;
        for (var e = 0; e < spec.Experts; e++)
        {
            var expert = expertScope.Mlp(features, spec.ExpertHidden, reluAfterLast: true, namePrefix: $"{e}.fc");
            width = expert.Width;
            outputs[e] = GraphOps.Unsqueeze(g, expert.Value, 1);
        }

        var stacked = spec.Experts == 1 ? outputs[0] : g.Node("Concat", outputs, Attr.Int("axis", 1));
        var result = new Dictionary<string, Activation>(StringComparer.Ordinal);
        var gates = new List<GraphValue>();
        foreach (var task in tasks)
        {
            var gateLogits = scope.Owned("gates", task.Name).Linear(task.Name, features, spec.Experts);
            var gate = GraphOps.Softmax(g, gateLogits.Value, 1);
            gates.Add(gate);
            var mixed = GraphOps.ReduceSum(g, g.Mul(stacked, GraphOps.Unsqueeze(g, gate, 2)), [1], keepDims: false);
            result[task.Name] = Activation.Of(mixed, width);
        }

        if (regularizers is not null)
        {
            GraphValue? total = null;
            var pairs = 0;
            for (var t = 0; t < gates.Count; t++)
            {
                for (var s = t + 1; s < gates.Count; s++)
                {
                    var overlap = GraphOps.ReduceSum(g, g.Mul(gates[t], gates[s]), [1], keepDims: false);
                    var mean = GraphOps.ReduceMean(g, overlap, [0], keepDims: false);
                    total = total is { } sum ? g.Add(sum, mean) : mean;
                    pairs++;
                }
            }

            var loss = g.Div(total!.Value, GraphOps.Scalar(g, pairs, "pairs"));
            regularizers.Add(new RegularizerOutput("routing", NameOutput(g, loss, "reg_routing"), spec.RoutingWeight));
        }

        return result;
    }

    /// <summary>
    /// A shared linear layer over the trunk's features with a low-rank adapter per task,
    /// <c>h_t = ReLU(W·h + b + (α/r)·B_t·A_t·h)</c> (B_t starts at zero, as in LoRA), and the regulariser
    /// <c>Σ_{t&lt;s} ‖A_t·A_sᵀ‖²_F</c>, which drives the tasks' adapter subspaces apart (orthogonal).
    /// </summary>
    private static Dictionary<string, Activation> Adapters(
        NetworkScope scope,
        Activation features,
        IReadOnlyList<TaskSpec> tasks,
        ArchitectureSpec spec,
        ICollection<RegularizerOutput> regularizers)
    {
        var g = scope.Graph;
        var width = features.Width;
        var shared = scope.Linear("adapter_base", features, width);
        var scale = GraphOps.Scalar(g, (float)(spec.Alpha / spec.Rank), "adapter_scale");
        var downs = new List<GraphValue>();
        var result = new Dictionary<string, Activation>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            var adapter = scope.Owned("adapters", task.Name).Child(task.Name);
            var down = adapter.Parameter("down", [spec.Rank, width], Init.FanInUniform, ParameterRole.Weight, width);
            var up = adapter.Parameter("up", [width, spec.Rank], Init.Zeros, ParameterRole.Weight);
            var noBias = g.AddInitializer(GraphOps.FreshName(g, adapter.NameOf("zero_bias")), [spec.Rank], new float[spec.Rank]);
            var noBiasUp = g.AddInitializer(GraphOps.FreshName(g, adapter.NameOf("zero_bias_up")), [width], new float[width]);
            var low = g.Linear(features.Value, down, noBias);
            var delta = g.Mul(g.Linear(low, up, noBiasUp), scale);
            result[task.Name] = Activation.Of(g.Relu(g.Add(shared.Value, delta)), width);
            downs.Add(down);
        }

        GraphValue? total = null;
        for (var t = 0; t < downs.Count; t++)
        {
            for (var s = t + 1; s < downs.Count; s++)
            {
                var product = g.MatMul(downs[t], g.Transpose(downs[s], 1, 0));
                var squared = GraphOps.ReduceSum(g, g.Mul(product, product), [0, 1], keepDims: false);
                total = total is { } sum ? g.Add(sum, squared) : squared;
            }
        }

        var loss = total ?? GraphOps.Scalar(g, 0f, "no_pairs");
        regularizers.Add(new RegularizerOutput("orthogonality", NameOutput(g, loss, "reg_orthogonality"), spec.OrthogonalityWeight));
        return result;
    }

    /// <summary>
    /// A shared linear layer whose units compete in groups: in each group only the largest unit passes its value,
    /// the others output 0 (a winner-take-all bottleneck). The mask comes from <c>Equal</c>, so the gradient flows
    /// through the winners only.
    /// </summary>
    private static Dictionary<string, Activation> WinnerTakeAll(
        NetworkScope scope,
        Activation features,
        IReadOnlyList<TaskSpec> tasks,
        ArchitectureSpec spec)
    {
        var g = scope.Graph;
        var units = scope.Linear("wta", features, spec.Units);
        var groups = spec.Units / spec.GroupSize;
        var grouped = GraphOps.Reshape(g, units.Value, 0, groups, spec.GroupSize);
        var winner = GraphOps.ReduceMax(g, grouped, [2], keepDims: true);
        var mask = GraphOps.Cast(g, g.Node("Equal", [grouped, winner]), ElementType.Float);
        var sparse = Activation.Of(GraphOps.Reshape(g, g.Mul(grouped, mask), 0, spec.Units), spec.Units);
        return tasks.ToDictionary(t => t.Name, _ => sparse, StringComparer.Ordinal);
    }

    internal static string NameOutput(GraphBuilder g, GraphValue value, string name)
    {
        // Give the producing node's output the public name directly: an Identity would cost a copy per step.
        var producer = g.Graph.Node.LastOrDefault(n => n.Output.Contains(value.Name));
        if (producer is not null && !g.IsNameTaken(name))
        {
            var index = producer.Output.IndexOf(value.Name);
            g.UniqueName(name);
            producer.Output[index] = name;
            foreach (var node in g.Graph.Node)
            {
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == value.Name)
                    {
                        node.Input[i] = name;
                    }
                }
            }

            return name;
        }

        var output = GraphOps.FreshName(g, name);
        g.NewNode("Identity", [value.Name], [output], GraphOps.FreshName(g, "Identity"), string.Empty);
        return output;
    }
}
