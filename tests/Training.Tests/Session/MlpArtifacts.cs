using Microsoft.ML.OnnxRuntime;
using MtlOnnx.Onnx;
using MtlOnnx.Training.Artifacts;
using MtlOnnx.Training.Optimizers;
using MtlOnnx.Training.Tests.Optimizers;

namespace MtlOnnx.Training.Tests.Session;

/// <summary>
/// Builds the forward graph of <see cref="TinyMlp"/> (x [N, 4] → 6 → 3, ReLU, output <c>pred</c>) with given
/// initial parameters, and generates its artifacts with a mean-squared-error loss against input <c>y</c>.
/// </summary>
internal static class MlpArtifacts
{
    public const string Loss = "pred_loss";

    public static ModelProto Forward(ReadOnlySpan<float> initial)
    {
        var layout = TinyMlp.Layout;
        var b = new GraphBuilder("mlp");
        var x = b.AddInput("x", ElementType.Float, "batch", TinyMlp.Inputs);
        var w1 = b.AddInitializer("w1", layout.Parameters[0].Shape, layout.Slice(initial, 0));
        var b1 = b.AddInitializer("b1", layout.Parameters[1].Shape, layout.Slice(initial, 1));
        var w2 = b.AddInitializer("w2", layout.Parameters[2].Shape, layout.Slice(initial, 2));
        var b2 = b.AddInitializer("b2", layout.Parameters[3].Shape, layout.Slice(initial, 3));
        var hidden = b.Relu(b.Linear(x, w1, b1));
        var prediction = b.Linear(hidden, w2, b2);
        b.NewNode("Identity", [prediction.Name], ["pred"]);
        b.AddOutput(new GraphValue("pred"), ElementType.Float, ["batch", TinyMlp.Outputs]);
        return b.ToModel();
    }

    public static TrainingArtifacts Generate(string directory, OptimizerSpec optimizer, ReadOnlySpan<float> initial) =>
        ArtifactGenerator.Generate(
            new ArtifactSpec
            {
                Forward = Forward(initial),
                Trainable = ["w1", "b1", "w2", "b2"],
                Losses = [LossSpec.MeanSquaredError("pred", "y")],
                Optimizer = optimizer,
            },
            directory);
}

/// <summary>A batch of the MLP's inputs in pinned buffers whose OrtValues stay the same from step to step.</summary>
internal sealed class MlpBatch : IDisposable
{
    public MlpBatch(int size)
    {
        Size = size;
        X = GC.AllocateArray<float>(size * TinyMlp.Inputs, pinned: true);
        Y = GC.AllocateArray<float>(size * TinyMlp.Outputs, pinned: true);
        Loss = GC.AllocateArray<float>(1, pinned: true);
        var host = OrtMemoryInfo.DefaultInstance;
        Inputs =
        [
            OrtValue.CreateTensorValueFromMemory(host, X.AsMemory(), [size, TinyMlp.Inputs]),
            OrtValue.CreateTensorValueFromMemory(host, Y.AsMemory(), [size, TinyMlp.Outputs]),
        ];
        Outputs = [OrtValue.CreateTensorValueFromMemory(host, Loss.AsMemory(), [])];
    }

    public int Size { get; }

    public float[] X { get; }

    public float[] Y { get; }

    public float[] Loss { get; }

    public OrtValue[] Inputs { get; }

    public OrtValue[] Outputs { get; }

    /// <summary>Fills the batch with samples <c>start .. start + Size - 1</c> of a fixed synthetic data set.</summary>
    public void Fill(int start)
    {
        for (var n = 0; n < Size; n++)
        {
            var random = new Random(1000 + start + n);
            for (var k = 0; k < TinyMlp.Inputs; k++)
            {
                X[(n * TinyMlp.Inputs) + k] = (float)((random.NextDouble() * 2) - 1);
            }

            for (var o = 0; o < TinyMlp.Outputs; o++)
            {
                Y[(n * TinyMlp.Outputs) + o] = X[n * TinyMlp.Inputs] * (o + 1) - X[(n * TinyMlp.Inputs) + 1] + (0.1f * o);
            }
        }
    }

    public void CopyFrom(float[] x, float[] y)
    {
        x.CopyTo(X, 0);
        y.CopyTo(Y, 0);
    }

    public void Dispose()
    {
        foreach (var value in Inputs.Concat(Outputs))
        {
            value.Dispose();
        }
    }
}
