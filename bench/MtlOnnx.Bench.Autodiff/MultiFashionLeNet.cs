using MtlOnnx.Onnx;

namespace MtlOnnx.Bench.Autodiff;

/// <summary>
/// The Multi-Fashion two-task LeNet: input 1×36×36; shared conv 1→10 9×9, max-pool 2, ReLU, conv 10→20 5×5,
/// max-pool 2, ReLU, linear 500→50, ReLU; per task linear 50→50, ReLU, linear 50→10 and a cross-entropy loss.
/// </summary>
internal static class MultiFashionLeNet
{
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

    public static ModelProto Build(long batch)
    {
        var b = new GraphBuilder("multi_fashion_lenet");
        var x = b.AddInput("x", ElementType.Float, batch, 1, 36, 36);
        var left = b.AddInput("labels_left", ElementType.Int64, batch);
        var right = b.AddInput("labels_right", ElementType.Int64, batch);
        var p = Parameters.ToDictionary(
            q => q.Name,
            q => b.AddInput(q.Name, ElementType.Float, q.Shape.Select(d => (Dim)d).ToArray()));

        GraphValue Pool(GraphValue v) => b.Node("MaxPool", [v], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        var h = b.Relu(Pool(b.Conv(x, p["conv1.weight"], p["conv1.bias"])));
        h = b.Relu(Pool(b.Conv(h, p["conv2.weight"], p["conv2.bias"])));
        h = b.Node("Flatten", [h], Attr.Int("axis", 1));
        var z = b.Relu(b.Linear(h, p["fc.weight"], p["fc.bias"]));

        foreach (var (task, labels) in new[] { ("left", left), ("right", right) })
        {
            var t = b.Relu(b.Linear(z, p[$"{task}.fc1.weight"], p[$"{task}.fc1.bias"]));
            var logits = b.Linear(t, p[$"{task}.fc2.weight"], p[$"{task}.fc2.bias"]);
            b.NewNode("SoftmaxCrossEntropyLoss", [logits.Name, labels.Name], [$"loss_{task}"]);
            b.AddOutput(new GraphValue($"loss_{task}"), ElementType.Float, []);
        }

        return b.ToModel();
    }
}
