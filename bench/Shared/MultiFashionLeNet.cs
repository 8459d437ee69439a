using MtlOnnx.Onnx;

namespace MtlOnnx.Bench;

/// <summary>
/// The Multi-Fashion two-task LeNet that the autodiff and session benchmarks time against PyTorch: input 1×36×36;
/// shared conv 1→10 9×9, max-pool 2, ReLU, conv 10→20 5×5, max-pool 2, ReLU, linear 500→50, ReLU; per task
/// linear 50→50, ReLU, linear 50→10.
/// </summary>
internal static class MultiFashionLeNet
{
    private static readonly string[] Tasks = ["left", "right"];

    /// <summary>Gets the parameter names and shapes, in PyTorch's layout.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Parameters { get; } =
    [
        ("conv1.weight", [10, 1, 9, 9]), ("conv1.bias", [10]),
        ("conv2.weight", [20, 10, 5, 5]), ("conv2.bias", [20]),
        ("fc.weight", [50, 500]), ("fc.bias", [50]),
        ("left.fc1.weight", [50, 50]), ("left.fc1.bias", [50]),
        ("left.fc2.weight", [10, 50]), ("left.fc2.bias", [10]),
        ("right.fc1.weight", [50, 50]), ("right.fc1.bias", [50]),
        ("right.fc2.weight", [10, 50]), ("right.fc2.bias", [10]),
    ];

    /// <summary>
    /// Builds the graph the autodiff differentiates: parameters and labels (<c>labels_left</c>, <c>labels_right</c>)
    /// are inputs, and the outputs are the two cross-entropy losses <c>loss_left</c> and <c>loss_right</c>.
    /// </summary>
    public static ModelProto BuildWithLosses(long batch)
    {
        var b = new GraphBuilder("multi_fashion_lenet");
        var x = b.AddInput("x", ElementType.Float, batch, 1, 36, 36);
        var labels = Tasks.ToDictionary(t => t, t => b.AddInput($"labels_{t}", ElementType.Int64, batch));
        var p = Parameters.ToDictionary(
            q => q.Name,
            q => b.AddInput(q.Name, ElementType.Float, q.Shape.Select(d => (Dim)d).ToArray()));

        foreach (var (task, logits) in Logits(b, x, p))
        {
            b.NewNode("SoftmaxCrossEntropyLoss", [logits.Name, labels[task].Name], [$"loss_{task}"]);
            b.AddOutput(new GraphValue($"loss_{task}"), ElementType.Float, []);
        }

        return b.ToModel();
    }

    /// <summary>
    /// Builds the forward graph the way a user hands a model to <c>ArtifactGenerator</c>: parameters are initializers
    /// drawn like PyTorch's defaults, U(-1/√fan_in, 1/√fan_in), and the outputs are <c>logits_left</c> and
    /// <c>logits_right</c>.
    /// </summary>
    public static ModelProto BuildForward(long batch, int seed)
    {
        var b = new GraphBuilder("multi_fashion_lenet");
        var x = b.AddInput("x", ElementType.Float, batch, 1, 36, 36);
        var random = new Random(seed);
        var p = new Dictionary<string, GraphValue>(StringComparer.Ordinal);
        for (var i = 0; i < Parameters.Count; i++)
        {
            var (name, shape) = Parameters[i];

            // A bias takes the fan-in of the weight before it, as torch.nn's reset_parameters does.
            var weightShape = shape.Length > 1 ? shape : Parameters[i - 1].Shape;
            var fanIn = weightShape.Skip(1).Aggregate(1L, (a, d) => a * d);
            var bound = 1 / Math.Sqrt(fanIn);
            var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
            for (var j = 0; j < values.Length; j++)
            {
                values[j] = (float)(((random.NextDouble() * 2) - 1) * bound);
            }

            p[name] = b.AddInitializer(name, shape, values);
        }

        foreach (var (task, logits) in Logits(b, x, p))
        {
            b.NewNode("Identity", [logits.Name], [$"logits_{task}"]);
            b.AddOutput(new GraphValue($"logits_{task}"), ElementType.Float, [batch, 10]);
        }

        return b.ToModel();
    }

    private static IEnumerable<(string Task, GraphValue Logits)> Logits(
        GraphBuilder b, GraphValue x, Dictionary<string, GraphValue> p)
    {
        GraphValue Pool(GraphValue v) =>
            b.Node("MaxPool", [v], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));

        var h = b.Relu(Pool(b.Conv(x, p["conv1.weight"], p["conv1.bias"])));
        h = b.Relu(Pool(b.Conv(h, p["conv2.weight"], p["conv2.bias"])));
        h = b.Node("Flatten", [h], Attr.Int("axis", 1));
        var z = b.Relu(b.Linear(h, p["fc.weight"], p["fc.bias"]));
        foreach (var task in Tasks)
        {
            var t = b.Relu(b.Linear(z, p[$"{task}.fc1.weight"], p[$"{task}.fc1.bias"]));
            yield return (task, b.Linear(t, p[$"{task}.fc2.weight"], p[$"{task}.fc2.bias"]));
        }
    }
}
