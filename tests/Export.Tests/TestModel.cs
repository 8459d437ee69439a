using MtlOnnx.ModelCards;
using MtlOnnx.Onnx;

namespace MtlOnnx.Export.Tests;

/// <summary>
/// An eval graph as training produces it (parameters as graph inputs, dropout, batch normalization, losses and
/// labels), with seeded parameter values and the export tasks that go with it.
/// </summary>
public sealed record TestModel(
    ModelProto Eval,
    Dictionary<string, TensorProto> Parameters,
    IReadOnlyList<ExportTask> Tasks,
    string InputName,
    long[] SampleShape)
{
    /// <summary>
    /// A LeNet-like two-stage convolution trunk with batch normalization (after a biased and an unbiased Conv),
    /// a PyTorch-style flatten (Shape, Gather, Unsqueeze, Concat, Reshape), dropout, a Gemm with batch normalization,
    /// and three heads: multiclass "shape" (MatMul, Add, batch normalization, MatMul, Add), regression "size" and
    /// binary "defect"; plus the losses and label inputs that an eval graph carries.
    /// </summary>
    public static TestModel LeNet(int seed = 7, int imageSize = 12)
    {
        var random = new Random(seed);
        var parameters = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        var b = new GraphBuilder("lenet_eval");

        GraphValue Param(string name, long[] dims, Func<float> draw)
        {
            var count = (int)TensorProtos.ElementCount(dims);
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = draw();
            }

            parameters[name] = TensorProtos.FromFloats(name, dims, values);
            return b.AddInput(name, ElementType.Float, dims.Select(d => (Dim)d).ToArray());
        }

        float Normal(double scale) => (float)(scale * Gaussian(random));
        float Uniform(double low, double high) => (float)(low + ((high - low) * random.NextDouble()));

        GraphValue BatchNorm(GraphValue x, string prefix, long channels)
        {
            var scale = Param(prefix + ".weight", [channels], () => 1 + Normal(0.2));
            var shift = Param(prefix + ".bias", [channels], () => Normal(0.2));
            var mean = Param(prefix + ".running_mean", [channels], () => Normal(0.3));
            var variance = Param(prefix + ".running_var", [channels], () => Uniform(0.5, 1.5));
            return b.Node("BatchNormalization", [x, scale, shift, mean, variance], Attr.Float("epsilon", 1e-5f));
        }

        var image = b.AddInput("image", ElementType.Float, "batch", 3, imageSize, imageSize);
        var shapeLabels = b.AddInput("shape_labels", ElementType.Int64, "batch");
        var sizeTargets = b.AddInput("size_targets", ElementType.Float, "batch", 1);

        var w1 = Param("conv1.weight", [4, 3, 3, 3], () => Normal(0.3));
        var b1 = Param("conv1.bias", [4], () => Normal(0.1));
        var x = b.Conv(image, w1, b1, pads: [1, 1, 1, 1]);
        x = b.Relu(BatchNorm(x, "bn1", 4));
        x = b.Node("MaxPool", [x], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));

        var w2 = Param("conv2.weight", [8, 4, 3, 3], () => Normal(0.3));
        x = b.Conv(x, w2, GraphValue.None);
        x = b.Relu(BatchNorm(x, "bn2", 8));
        var features = 8 * ((imageSize / 2) - 2) * ((imageSize / 2) - 2);

        // Flatten as torch.onnx.export writes x.view(x.size(0), -1).
        var shape = b.Node("Shape", [x]);
        var batch = b.Node("Gather", [shape, b.AddInitializer(TensorProtos.FromInt64s("zero", [], [0]))], Attr.Int("axis", 0));
        var batch1 = b.Node("Unsqueeze", [batch, b.AddInitializer("axes0", [1], [0L])]);
        var minusOne = b.Node("Constant", [], Attr.Tensor("value", TensorProtos.FromInt64s("minus_one", [1], [-1])));
        var target = b.Node("Concat", [batch1, minusOne], Attr.Int("axis", 0));
        x = b.Node("Reshape", [x, target]);
        x = b.Node("Dropout", [x, b.AddInitializer("dropout_ratio", [], [0.5f])]);

        var wf = Param("fc1.weight", [32, features], () => Normal(0.15));
        var bf = Param("fc1.bias", [32], () => Normal(0.1));
        x = b.Linear(x, wf, bf);
        x = b.Relu(BatchNorm(x, "bn3", 32));
        var trainingMode = b.AddInitializer(TensorProtos.Create<byte>("training_mode", ElementType.Bool, [], [0]));
        var trunk = b.Node("Dropout", [x, b.AddInitializer("dropout_ratio2", [], [0.3f]), trainingMode], 2)[0];

        var wh = Param("shape.hidden.weight", [32, 16], () => Normal(0.3));
        var bh = Param("shape.hidden.bias", [16], () => Normal(0.1));
        var h = b.Add(b.MatMul(trunk, wh), bh);
        h = b.Relu(BatchNorm(h, "shape.bn", 16));
        var wo = Param("shape.out.weight", [16, 5], () => Normal(0.4));
        var bo = Param("shape.out.bias", [5], () => Normal(0.1));
        var shapeLogits = b.Node("Identity", [b.Add(b.MatMul(h, wo), bo)]);

        var ws = Param("size.weight", [1, 32], () => Normal(0.3));
        var bs = Param("size.bias", [1], () => Normal(0.1));
        var sizeValue = b.Linear(trunk, ws, bs);

        var wd = Param("defect.weight", [1, 32], () => Normal(0.3));
        var bd = Param("defect.bias", [1], () => Normal(0.1));
        var defectLogit = b.Linear(trunk, wd, bd);

        var shapeLoss = b.Node("SoftmaxCrossEntropyLoss", [shapeLogits, shapeLabels], Attr.String("reduction", "mean"));
        var diff = b.Sub(sizeValue, sizeTargets);
        var sizeLoss = b.Node("ReduceMean", [b.Mul(diff, diff)], Attr.Int("keepdims", 0));
        var loss = b.Add(shapeLoss, sizeLoss);

        b.AddOutput(shapeLogits, ElementType.Float, ["batch", 5]);
        b.AddOutput(sizeValue, ElementType.Float, ["batch", 1]);
        b.AddOutput(defectLogit, ElementType.Float, ["batch", 1]);
        b.AddOutput(loss, ElementType.Float, []);

        ExportTask[] tasks =
        [
            new("shape", TaskKind.Multiclass, shapeLogits.Name) { Labels = ["circle", "square", "star", "moon", "cross"] },
            new("size", TaskKind.Regression, sizeValue.Name),
            new("defect", TaskKind.Binary, defectLogit.Name),
        ];
        return new TestModel(b.ToModel(), parameters, tasks, image.Name, [3, imageSize, imageSize]);
    }

    /// <summary>Creates the model card that training would write for this model.</summary>
    public ModelCard Card()
    {
        var size = (int)SampleShape[1];
        var card = new ModelCard
        {
            Inputs = [ModelCardInput.ForImage(InputName, new ImageSpec { Width = size, Height = size })],
        };
        foreach (var task in Tasks)
        {
            card.Tasks.Add(new ModelCardTask
            {
                Name = task.Name,
                Kind = task.Kind,
                Labels = task.Kind == TaskKind.Multiclass ? task.Labels.ToList() : [],
                Outputs = [task.SourceOutput],
            });
        }

        return card;
    }

    /// <summary>Builds the inference model with default options.</summary>
    public InferenceModel Build(Action<InferenceModelOptions>? configure = null)
    {
        var options = new InferenceModelOptions { Tasks = Tasks, InputNames = [InputName] };
        configure?.Invoke(options);
        return InferenceModelBuilder.Build(Eval, Parameters, options);
    }

    /// <summary>Draws a seeded batch of inputs.</summary>
    public float[] SampleBatch(int batch, int seed = 11)
    {
        var random = new Random(seed);
        var count = batch * (int)TensorProtos.ElementCount(SampleShape);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)Gaussian(random);
        }

        return values;
    }

    /// <summary>Gets the shape of a batch.</summary>
    public long[] BatchShape(int batch) => [batch, .. SampleShape];

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
