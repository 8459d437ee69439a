using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The benchmark's model, shaped like the shapes example: a 32×32 RGB image, a small convolutional trunk and two
/// heads (shape: multiclass over 4 labels; size: regression in pixels), with a model card so Predict can serve it.
/// </summary>
internal static class BenchModels
{
    public const int Side = 32;

    /// <summary>Builds the model.</summary>
    /// <param name="dense">
    /// Whether the trunk is two wide dense layers (3072 → 1024 → 512, 14 MB of weights: memory-bound at batch 1,
    /// where batching pays) instead of two small convolutions (compute of a few tens of µs: protocol-bound).
    /// </param>
    public static byte[] Shapes(bool dense = false)
    {
        var random = new Random(7);
        float[] Weights(int n, float scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];

        var b = new GraphBuilder();
        var image = b.AddInput("image", ElementType.Float, "batch", 3, Side, Side);
        GraphValue pooled;
        int width;
        if (dense)
        {
            var flat = b.Node("Flatten", [image], Attr.Int("axis", 1));
            var d1 = b.Relu(b.MatMul(flat, b.AddInitializer("d1", [3 * Side * Side, 1024], Weights(3 * Side * Side * 1024, 0.05f))));
            pooled = b.Relu(b.MatMul(d1, b.AddInitializer("d2", [1024, 512], Weights(1024 * 512, 0.05f))));
            width = 512;
        }
        else
        {
            var w1 = b.AddInitializer("w1", [16, 3, 3, 3], Weights(16 * 27, 0.5f));
            var c1 = b.Relu(b.Node("Conv", [image, w1], Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2)));
            var w2 = b.AddInitializer("w2", [32, 16, 3, 3], Weights(32 * 144, 0.2f));
            var c2 = b.Relu(b.Node("Conv", [c1, w2], Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2)));
            pooled = b.Node("Flatten", [b.Node("GlobalAveragePool", [c2])], Attr.Int("axis", 1));
            width = 32;
        }

        var wShape = b.AddInitializer("w_shape", [width, 4], Weights(width * 4, 0.5f));
        b.NewNode("MatMul", [pooled.Name, wShape.Name], ["shape_logits"]);
        var wSize = b.AddInitializer("w_size", [width, 1], Weights(width, 0.5f));
        b.NewNode("MatMul", [pooled.Name, wSize.Name], ["size"]);
        b.AddOutput(new GraphValue("shape_logits"), ElementType.Float, ["batch", 4]);
        b.AddOutput(new GraphValue("size"), ElementType.Float, ["batch", 1]);
        var model = b.ToModel();
        new ModelCard
        {
            Inputs = [ModelCardInput.ForImage("image", new ImageSpec { Width = Side, Height = Side, ResizeShorterSide = Side })],
            Tasks =
            [
                new ModelCardTask { Name = "shape", Kind = TaskKind.Multiclass, Labels = ["circle", "square",
                    "triangle", "star"], Outputs = ["shape_logits"] },
                new ModelCardTask { Name = "size", Kind = TaskKind.Regression, Outputs = ["size"], Units = "px",
                    RegressionMean = [12], RegressionStd = [4] },
            ],
        }.WriteTo(model);
        return OnnxModelIO.ToBytes(model);
    }

    public static string WriteRepository(string root, bool dense = false)
    {
        var folder = Path.Combine(root, "shapes", "1");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), Shapes(dense));
        return root;
    }
}
