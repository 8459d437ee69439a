using MtlOnnx.Onnx;

namespace MtlOnnx.Bench.Session;

/// <summary>
/// The Multi-Fashion two-task LeNet as a forward graph with its parameters as initializers, the way a user hands a
/// model to <c>ArtifactGenerator</c>: input 1×36×36; shared conv 1→10 9×9, max-pool 2, ReLU, conv 10→20 5×5,
/// max-pool 2, ReLU, linear 500→50, ReLU; per task linear 50→50, ReLU, linear 50→10 (outputs <c>logits_left</c>
/// and <c>logits_right</c>). Parameters are drawn like PyTorch's defaults, U(-1/√fan_in, 1/√fan_in).
/// </summary>
internal static class LeNetForward
{
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

    public static ModelProto Build(long batch, int seed)
    {
        var random = new Random(seed);
        var b = new GraphBuilder("multi_fashion_lenet");
        var x = b.AddInput("x", ElementType.Float, batch, 1, 36, 36);
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

        GraphValue Pool(GraphValue v) =>
            b.Node("MaxPool", [v], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));

        var h = b.Relu(Pool(b.Conv(x, p["conv1.weight"], p["conv1.bias"])));
        h = b.Relu(Pool(b.Conv(h, p["conv2.weight"], p["conv2.bias"])));
        h = b.Node("Flatten", [h], Attr.Int("axis", 1));
        var z = b.Relu(b.Linear(h, p["fc.weight"], p["fc.bias"]));
        foreach (var task in new[] { "left", "right" })
        {
            var t = b.Relu(b.Linear(z, p[$"{task}.fc1.weight"], p[$"{task}.fc1.bias"]));
            var logits = b.Linear(t, p[$"{task}.fc2.weight"], p[$"{task}.fc2.bias"]);
            b.NewNode("Identity", [logits.Name], [$"logits_{task}"]);
            b.AddOutput(new GraphValue($"logits_{task}"), ElementType.Float, [batch, 10]);
        }

        return b.ToModel();
    }
}
